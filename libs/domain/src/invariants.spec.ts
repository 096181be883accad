import { describe, expect, it } from 'vitest';
import type { EventData, EventType, FabricEvent } from './events';
import {
  INVARIANTS,
  InvariantBroken,
  activeGenerationOnlyRises,
  activePlanStaysValid,
  assertStep,
  checkStep,
  confirmationsOnlyRise,
  deletesFollowQuorum,
  oneOutcomePerRecordInOrder,
  type Step,
} from './invariants';
import { GENESIS_HASH } from './hash-chain';
import { evolve, initialState, type EndpointState } from './state';
import {
  ENDPOINT,
  applyPlan,
  confirmApplied,
  enactor,
  given,
  operator,
  proposePlan,
  registerEndpoint,
} from './testing/decider';

/**
 * The checker must not be vacuous: each step below is one decide would never
 * produce, built by hand and folded with the real evolve, and each named
 * check must report it.
 */
function handStep<T extends EventType>(
  before: EndpointState,
  type: T,
  data: EventData[T],
  envelope: Partial<Pick<FabricEvent, 'seq' | 'commandOffset' | 'endpointId' | 'prevHash'>> = {},
): Step {
  const event = {
    seq: before.nextSeq,
    endpointId: before.endpointId,
    commandOffset: before.nextCommandOffset,
    commandId: 'forged',
    prevHash: before.lastEventHash,
    type,
    data,
    ...envelope,
  } as FabricEvent;
  return { before, event, after: evolve(before, event) };
}

const names = (step: Step) => checkStep(step).map((violation) => violation.invariant);

/** Plans 1..3; 3 active, confirmed by e1 and e2 (quorum 2); minValidPlans 2. */
const live = () =>
  given(
    registerEndpoint({ quorum: 2, minValidPlans: 2 }),
    proposePlan(1),
    proposePlan(2),
    proposePlan(3),
    applyPlan(3),
    confirmApplied(3, 'e1'),
    confirmApplied(3, 'e2'),
  ).state;

describe('every invariant check can fail', () => {
  it('the real steps of a valid history pass every check (the baseline for the forged ones)', () => {
    const state = live();
    expect(checkStep(handStep(state, 'PlanDeleted', { generation: 1 }))).toEqual([]);
  });

  describe('I1 active plan stays valid', () => {
    it('a delete that leaves fewer than minValidPlans valid plans', () => {
      const before = given(
        registerEndpoint({ quorum: 1, minValidPlans: 2 }),
        proposePlan(1),
        proposePlan(2),
        applyPlan(2),
        confirmApplied(2),
      ).state;
      const step = handStep(before, 'PlanDeleted', { generation: 1 });
      expect(activePlanStaysValid(step)).toBe('a delete left 1 valid plans, below minValidPlans 2');
      expect(names(step)).toEqual(['I1 active plan stays valid']);
    });

    it('the active plan deleted', () => {
      const step = handStep(live(), 'PlanDeleted', { generation: 3 });
      expect(activePlanStaysValid(step)).toBe('active plan 3 is deleted');
    });

    it('an activation of a plan that does not exist', () => {
      const step = handStep(live(), 'PlanActivated', { generation: 9, activation: 2, previousGeneration: 3, by: enactor('e1'), reason: null });
      expect(activePlanStaysValid(step)).toBe('active generation 9 has no plan');
    });
  });

  describe('I2 active generation only rises', () => {
    it('an enactor activation of an older plan', () => {
      const step = handStep(live(), 'PlanActivated', { generation: 2, activation: 2, previousGeneration: 3, by: enactor('e3'), reason: null });
      expect(activeGenerationOnlyRises(step)).toBe('active generation fell from 3 to 2 by PlanActivated');
      expect(names(step)).toEqual(['I2 active generation only rises']);
    });

    it('but the same step by an operator is allowed', () => {
      const step = handStep(live(), 'PlanActivated', { generation: 2, activation: 2, previousGeneration: 3, by: operator, reason: 'roll back' });
      expect(checkStep(step)).toEqual([]);
    });

    it('an active plan that disappears (a forged after-state)', () => {
      const before = live();
      const step = handStep(before, 'CommandRejected', { reason: 'ALREADY_ACTIVE', detail: '', commandType: 'ApplyPlan', actor: enactor('e1') });
      const forged: Step = { ...step, after: { ...step.after, active: null } };
      expect(activeGenerationOnlyRises(forged)).toBe('active generation fell from 3 to 0 by CommandRejected');
    });
  });

  describe('I3 deletes follow quorum', () => {
    it('a delete without a quorum of confirmations', () => {
      const before = given(registerEndpoint({ quorum: 2 }), proposePlan(1), proposePlan(2), applyPlan(2), confirmApplied(2, 'e1')).state;
      const step = handStep(before, 'PlanDeleted', { generation: 1 });
      expect(deletesFollowQuorum(step)).toBe('plan 1 deleted with 1 of 2 confirmations');
      expect(names(step)).toEqual(['I3 deletes follow quorum']);
    });

    it('a delete with no plan active', () => {
      const before = given(registerEndpoint(), proposePlan(1)).state;
      expect(deletesFollowQuorum(handStep(before, 'PlanDeleted', { generation: 1 }))).toBe('plan 1 deleted with no active plan');
    });

    it('a delete of the active plan, or of a newer one', () => {
      const before = given(registerEndpoint(), proposePlan(1), proposePlan(2), applyPlan(1)).state;
      expect(deletesFollowQuorum(handStep(before, 'PlanDeleted', { generation: 1 }))).toBe('plan 1 deleted while 1 is active');
      expect(deletesFollowQuorum(handStep(before, 'PlanDeleted', { generation: 2 }))).toBe('plan 2 deleted while 1 is active');
    });
  });

  describe('I4 confirmations only rise', () => {
    it('a confirmation below the enactor’s last one', () => {
      const step = handStep(live(), 'PlanConfirmed', { enactorId: 'e1', generation: 2 });
      expect(confirmationsOnlyRise(step)).toBe("enactor 'e1' confirmation fell from 3 to 2");
      expect(names(step)).toEqual(['I4 confirmations only rise']);
    });

    it('a confirmation cleared by anything but an operator activation', () => {
      const step = handStep(live(), 'PlanActivated', { generation: 3, activation: 2, previousGeneration: 3, by: enactor('e1'), reason: null });
      const forged: Step = { ...step, after: { ...step.after, confirmed: new Map([...step.after.confirmed.keys()].map((id) => [id, null])) } };
      expect(confirmationsOnlyRise(forged)).toBe("enactor 'e1' confirmation fell from 3 to null");
    });

    it('but an operator activation clears them lawfully', () => {
      const step = handStep(live(), 'PlanActivated', { generation: 1, activation: 2, previousGeneration: 3, by: operator, reason: 'roll back' });
      expect([...step.after.confirmed.values()]).toEqual([null, null, null]);
      expect(checkStep(step)).toEqual([]);
    });
  });

  describe('I5 one outcome per record, in order', () => {
    const rejection = { reason: 'UNKNOWN_PLAN', detail: '', commandType: 'ApplyPlan', actor: enactor('e1') } as const;

    it('a gap in the event seq', () => {
      const before = live();
      const step = handStep(before, 'CommandRejected', rejection, { seq: before.nextSeq + 1 });
      expect(oneOutcomePerRecordInOrder(step)).toBe(`event seq ${before.nextSeq + 1} where ${before.nextSeq} was next`);
      expect(names(step)).toEqual(['I5 one outcome per record, in order']);
    });

    it('a repeated event seq', () => {
      const before = live();
      const step = handStep(before, 'CommandRejected', rejection, { seq: before.nextSeq - 1 });
      expect(oneOutcomePerRecordInOrder(step)).toBe(`event seq ${before.nextSeq - 1} where ${before.nextSeq} was next`);
    });

    it('an offset the log reader never delivers (a transaction marker) may be skipped', () => {
      const before = live();
      const step = handStep(before, 'CommandRejected', rejection, { commandOffset: before.nextCommandOffset + 1 });
      expect(oneOutcomePerRecordInOrder(step)).toBeNull();
    });

    it('a command record decided twice', () => {
      const before = live();
      const step = handStep(before, 'CommandRejected', rejection, { commandOffset: before.nextCommandOffset - 1 });
      expect(oneOutcomePerRecordInOrder(step)).not.toBeNull();
    });

    it('an event of another endpoint', () => {
      const step = handStep(live(), 'CommandRejected', rejection, { endpointId: 'ep-2' });
      expect(oneOutcomePerRecordInOrder(step)).toBe(`event for 'ep-2' on the log of '${ENDPOINT}'`);
    });

    it('an event not chained to the one before (edited, reordered or cut log)', () => {
      const before = live();
      const step = handStep(before, 'CommandRejected', rejection, { prevHash: 'f'.repeat(64) });
      expect(oneOutcomePerRecordInOrder(step)).toBe(
        `prevHash ${'f'.repeat(64)} is not ${before.lastEventHash}, the hash of event seq ${before.nextSeq - 1}: the log was edited, reordered or cut`,
      );
      expect(names(step)).toEqual(['I5 one outcome per record, in order']);
    });

    it('a first event that does not start the chain', () => {
      const before = initialState(ENDPOINT);
      const step = handStep(before, 'CommandRejected', { ...rejection, reason: 'UNKNOWN_ENDPOINT' }, { prevHash: '1'.repeat(64) });
      expect(oneOutcomePerRecordInOrder(step)).toMatch(new RegExp(`is not ${GENESIS_HASH}, the hash of no event \\(seq 1\\)`));
    });

    it('a state that did not advance', () => {
      const step = handStep(live(), 'CommandRejected', rejection);
      expect(oneOutcomePerRecordInOrder({ ...step, after: step.before })).toBe('the state did not advance by exactly one event');
    });
  });
});

describe('checkStep and assertStep', () => {
  it('run every named invariant', () => {
    expect(Object.keys(INVARIANTS)).toEqual([
      'I1 active plan stays valid',
      'I2 active generation only rises',
      'I3 deletes follow quorum',
      'I4 confirmations only rise',
      'I5 one outcome per record, in order',
      'K keys change only by key events',
    ]);
  });

  it('report every broken invariant of one step, each with endpoint and seq', () => {
    const before = given(registerEndpoint({ quorum: 2, minValidPlans: 2 }), proposePlan(1), proposePlan(2), applyPlan(2)).state;
    const step = handStep(before, 'PlanDeleted', { generation: 2 }, { seq: 99 });
    expect(checkStep(step)).toEqual([
      { invariant: 'I1 active plan stays valid', endpointId: ENDPOINT, seq: 99, message: 'active plan 2 is deleted' },
      { invariant: 'I3 deletes follow quorum', endpointId: ENDPOINT, seq: 99, message: 'plan 2 deleted while 2 is active' },
      { invariant: 'I5 one outcome per record, in order', endpointId: ENDPOINT, seq: 99, message: `event seq 99 where ${before.nextSeq} was next` },
    ]);
  });

  it('assertStep throws InvariantBroken that says which invariant, where, and what to do', () => {
    const step = handStep(live(), 'PlanConfirmed', { enactorId: 'e2', generation: 1 });
    expect(() => assertStep(step)).toThrow(InvariantBroken);
    try {
      assertStep(step);
    } catch (error) {
      expect(error).toBeInstanceOf(InvariantBroken);
      const broken = error as InvariantBroken;
      expect(broken.violations.map((v) => v.invariant)).toEqual(['I4 confirmations only rise']);
      expect(broken.message).toMatch(/invariant I4 confirmations only rise broken at endpoint 'ep-1' seq \d+: enactor 'e2' confirmation fell from 3 to 1/);
      expect(broken.message).toMatch(/refusing to commit/);
    }
  });

  it('assertStep passes a lawful step', () => {
    const before = live();
    expect(() => assertStep(handStep(before, 'PlanDeleted', { generation: 1 }))).not.toThrow();
  });
});
