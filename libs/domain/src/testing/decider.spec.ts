import { describe, expect, it } from 'vitest';
import type { FabricEvent } from '../events';
import { GENESIS_HASH } from '../hash-chain';
import { evolve } from '../state';
import { applyPlan, assertSound, given, proposePlan, registerEndpoint } from './decider';

/** The helper's own checks must bite, or every given/when/then above proves less than it says. */
describe('the decider test helper', () => {
  const before = () => given(registerEndpoint(), proposePlan(1)).state;
  const rejected = (seq: number, commandOffset: number, prevHash = GENESIS_HASH): FabricEvent => ({
    seq,
    endpointId: 'ep-1',
    commandOffset,
    commandId: 'c',
    prevHash,
    type: 'CommandRejected',
    data: { reason: 'UNKNOWN_PLAN', detail: 'x', commandType: 'ApplyPlan', actor: { role: 'enactor', id: 'e1' } },
  });

  it('fails a given command that was not accepted', () => {
    expect(() => given(registerEndpoint(), applyPlan(5))).toThrow(/given ApplyPlan must be accepted/);
  });

  it('fails a step that breaks an invariant', () => {
    const state = before();
    const event = rejected(state.nextSeq + 3, state.nextCommandOffset);
    expect(() => assertSound(state, event, evolve(state, event))).toThrow(/invariants after CommandRejected/);
  });

  it('fails an event its schema refuses', () => {
    const state = before();
    const event = { ...rejected(state.nextSeq, state.nextCommandOffset, state.lastEventHash), data: { ...rejected(0, 0).data, actor: { role: 'enactor', id: '' } } } as FabricEvent;
    expect(() => assertSound(state, event, evolve(state, event))).toThrow(/CommandRejected \/data\/actor\/id/);
  });

  it('fails a rejection that changed the state', () => {
    const state = before();
    const event = rejected(state.nextSeq, state.nextCommandOffset, state.lastEventHash);
    const after = { ...evolve(state, event), highestProposed: 99 };
    expect(() => assertSound(state, event, after)).toThrow(/changes nothing but the log position/);
  });
});
