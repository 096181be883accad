import { describe, expect, it } from 'vitest';
import { fenceAccepts } from './fence';

describe('fenceAccepts: the DNS backend fence (invariant 8)', () => {
  it('accepts the first write and any later activation', () => {
    expect(fenceAccepts(null, { activation: 1, generation: 1 })).toBe(true);
    expect(fenceAccepts({ activation: 3, generation: 5 }, { activation: 4, generation: 2 })).toBe(true); // an operator rollback is a later decision
  });

  it('accepts the same decision again (a retried write is idempotent)', () => {
    expect(fenceAccepts({ activation: 3, generation: 5 }, { activation: 3, generation: 5 })).toBe(true);
  });

  it('refuses an earlier activation — the stalled enactor of the incident', () => {
    expect(fenceAccepts({ activation: 8, generation: 8 }, { activation: 5, generation: 5 })).toBe(false);
    expect(fenceAccepts({ activation: 8, generation: 3 }, { activation: 7, generation: 9 })).toBe(false);
  });

  it('refuses the same activation with another generation (two decisions cannot share a token)', () => {
    expect(fenceAccepts({ activation: 3, generation: 5 }, { activation: 3, generation: 6 })).toBe(false);
  });
});
