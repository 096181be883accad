import { describe, expect, it } from 'vitest';
import type { EndpointView } from '@plan-fabric/db';
import { finalMismatches, outcomeLabel } from './scenario-report';

const view: EndpointView = {
  activeGeneration: 3,
  activation: 2,
  validGenerations: [2, 3],
  deletedGenerations: [1],
  confirmed: { a: 3, b: null },
  lastEventSeq: 12,
};

describe('finalMismatches', () => {
  it('is empty when final agrees, checking only the fields it names', () => {
    expect(finalMismatches({ activeGeneration: 3, validGenerations: [3, 2], confirmed: { a: 3, b: null } }, view)).toEqual([]);
    expect(finalMismatches({}, view)).toEqual([]);
  });

  it('names each field that differs', () => {
    expect(
      finalMismatches({ activeGeneration: null, validGenerations: [3], deletedGenerations: [], confirmed: { a: 2, c: 1 } }, view),
    ).toEqual([
      'activeGeneration: expected null, got 3',
      'validGenerations: expected [3], got [2,3]',
      'deletedGenerations: expected [], got [1]',
      'confirmed.a: expected 2, got 3',
      'confirmed.c: expected 1, got null',
    ]);
  });
});

describe('outcomeLabel', () => {
  it('is the reason for a rejection, else the outcome', () => {
    expect(outcomeLabel({ outcome: 'rejected', reason: 'STALE_GENERATION' })).toBe('STALE_GENERATION');
    expect(outcomeLabel({ outcome: 'accepted', reason: null })).toBe('accepted');
    expect(outcomeLabel({ outcome: 'duplicate', reason: null })).toBe('duplicate');
  });
});
