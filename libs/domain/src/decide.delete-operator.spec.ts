import { describe, expect, it } from 'vitest';
import { validGenerations } from './state';
import {
  applyPlan,
  attempt,
  confirmApplied,
  deletePlan,
  enactor,
  given,
  operator,
  operatorActivate,
  proposePlan,
  registerEndpoint,
  weights,
} from './testing/decider';

/** Plans 1..3 proposed, 3 applied and confirmed by e1 and e2 (quorum 2). */
const confirmedAt3 = (minValidPlans = 1) => [
  registerEndpoint({ quorum: 2, minValidPlans }),
  proposePlan(1),
  proposePlan(2),
  proposePlan(3),
  applyPlan(1),
  applyPlan(3),
  confirmApplied(3, 'e1'),
  confirmApplied(3, 'e2'),
];

describe('DeletePlan', () => {
  it('deletes an older plan once a quorum confirmed the active one', () => {
    const outcome = given(...confirmedAt3()).when(deletePlan(1)).then({ type: 'PlanDeleted', data: { generation: 1 } });
    expect(outcome.after.plans.get(1)?.deleted).toBe(true);
    expect(validGenerations(outcome.after)).toEqual([2, 3]);
  });

  it('UNKNOWN_PLAN', () => {
    given(...confirmedAt3()).when(deletePlan(9)).thenRejected('UNKNOWN_PLAN', 'no plan of generation 9 was proposed');
  });

  it('UNKNOWN_PLAN is checked before DELETE_ACTIVE_PLAN (no plan active yet)', () => {
    given(registerEndpoint()).when(deletePlan(1)).thenRejected('UNKNOWN_PLAN');
  });

  it('PLAN_DELETED', () => {
    given(...confirmedAt3(), deletePlan(1)).when(deletePlan(1)).thenRejected('PLAN_DELETED', 'plan 1 was deleted');
  });

  describe('DELETE_ACTIVE_PLAN', () => {
    it('the active plan', () => {
      given(...confirmedAt3()).when(deletePlan(3)).thenRejected('DELETE_ACTIVE_PLAN', 'plan 3 is the active plan');
    });

    it('a plan newer than the active one', () => {
      given(...confirmedAt3(), proposePlan(4)).when(deletePlan(4)).thenRejected('DELETE_ACTIVE_PLAN', 'plan 4 is newer than the active plan 3');
    });

    it('no plan active yet', () => {
      given(registerEndpoint(), proposePlan(1), proposePlan(2)).when(deletePlan(1)).thenRejected('DELETE_ACTIVE_PLAN', 'no plan is active yet');
    });

    it('a newer plan left behind by an operator rollback', () => {
      given(...confirmedAt3(), operatorActivate(2)).when(deletePlan(3)).thenRejected('DELETE_ACTIVE_PLAN', 'plan 3 is newer than the active plan 2');
    });

    it('is checked before WOULD_LEAVE_NO_VALID_PLAN and QUORUM_NOT_REACHED', () => {
      given(registerEndpoint({ minValidPlans: 5 }), proposePlan(1), applyPlan(1)).when(deletePlan(1)).thenRejected('DELETE_ACTIVE_PLAN');
    });
  });

  describe('WOULD_LEAVE_NO_VALID_PLAN', () => {
    it('below minValidPlans', () => {
      given(...confirmedAt3(3))
        .when(deletePlan(1))
        .thenRejected('WOULD_LEAVE_NO_VALID_PLAN', 'deleting plan 1 would leave 2 valid plans; the endpoint keeps 3');
    });

    it('exactly minValidPlans left is allowed, one fewer is not', () => {
      given(...confirmedAt3(2)).when(deletePlan(1)).then({ type: 'PlanDeleted', data: { generation: 1 } });
      given(...confirmedAt3(2), deletePlan(1)).when(deletePlan(2)).thenRejected('WOULD_LEAVE_NO_VALID_PLAN');
    });

    it('plans newer than the active one are not valid fallbacks', () => {
      given(...confirmedAt3(2), proposePlan(4), proposePlan(5), deletePlan(1))
        .when(deletePlan(2))
        .thenRejected('WOULD_LEAVE_NO_VALID_PLAN', 'deleting plan 2 would leave 1 valid plans; the endpoint keeps 2');
    });

    it('is checked before QUORUM_NOT_REACHED', () => {
      given(registerEndpoint({ minValidPlans: 2 }), proposePlan(1), proposePlan(2), applyPlan(2))
        .when(deletePlan(1))
        .thenRejected('WOULD_LEAVE_NO_VALID_PLAN');
    });
  });

  describe('QUORUM_NOT_REACHED', () => {
    it('with no confirmations', () => {
      given(registerEndpoint({ quorum: 2 }), proposePlan(1), proposePlan(2), applyPlan(2))
        .when(deletePlan(1))
        .thenRejected('QUORUM_NOT_REACHED', '0 of 2 enactors needed have confirmed the active plan 2');
    });

    it('one confirmation short', () => {
      given(registerEndpoint({ quorum: 2 }), proposePlan(1), proposePlan(2), applyPlan(2), confirmApplied(2, 'e1'))
        .when(deletePlan(1))
        .thenRejected('QUORUM_NOT_REACHED', '1 of 2 enactors needed have confirmed the active plan 2');
    });

    it('confirmations of an older plan do not count', () => {
      given(registerEndpoint({ quorum: 2 }), proposePlan(1), proposePlan(2), applyPlan(1), confirmApplied(1, 'e1'), confirmApplied(1, 'e2'), applyPlan(2), confirmApplied(2, 'e3'))
        .when(deletePlan(1))
        .thenRejected('QUORUM_NOT_REACHED', '1 of 2 enactors needed have confirmed the active plan 2');
    });

    it('the same enactor confirming twice counts once', () => {
      given(registerEndpoint({ quorum: 2 }), proposePlan(1), proposePlan(2), applyPlan(2), confirmApplied(2, 'e1'), confirmApplied(2, 'e1'))
        .when(deletePlan(1))
        .thenRejected('QUORUM_NOT_REACHED');
    });

    it('an OperatorActivate clears the confirmations, so deletes wait for new ones', () => {
      given(...confirmedAt3(), proposePlan(4), applyPlan(4), confirmApplied(4, 'e1'), confirmApplied(4, 'e2'), operatorActivate(3))
        .when(deletePlan(1))
        .thenRejected('QUORUM_NOT_REACHED', '0 of 2 enactors needed have confirmed the active plan 3');
    });
  });
});

describe('OperatorActivate', () => {
  it('goes backwards, with its reason, and a new activation number', () => {
    given(...confirmedAt3())
      .when(operatorActivate(2, 'bad records in 3'))
      .then({
        type: 'PlanActivated',
        data: { generation: 2, activation: 3, previousGeneration: 3, by: operator, reason: 'bad records in 3' },
      });
  });

  it('goes past the capacity guard', () => {
    const setup = [registerEndpoint({ maxCapacityDropPercent: 10 }), proposePlan(1, { records: weights(100) }), applyPlan(1), proposePlan(2, { records: weights(10) })] as const;
    given(...setup).when(applyPlan(2)).thenRejected('CAPACITY_DROP_TOO_LARGE');
    given(...setup)
      .when(operatorActivate(2, 'drain the region'))
      .then({ type: 'PlanActivated', data: { generation: 2, activation: 2, previousGeneration: 1, by: operator, reason: 'drain the region' } });
  });

  it('may make the first plan live', () => {
    given(registerEndpoint(), proposePlan(1))
      .when(operatorActivate(1, 'bootstrap'))
      .then({ type: 'PlanActivated', data: { generation: 1, activation: 1, previousGeneration: null, by: operator, reason: 'bootstrap' } });
  });

  it('may go forwards, even to a plan an enactor may no longer apply', () => {
    given(registerEndpoint(), proposePlan(1), proposePlan(2), applyPlan(2), operatorActivate(1), attempt(applyPlan(2)))
      .when(operatorActivate(2, 'roll forward again'))
      .then({ type: 'PlanActivated', data: { generation: 2, activation: 3, previousGeneration: 1, by: operator, reason: 'roll forward again' } });
  });

  it('clears all confirmations and sets the floor', () => {
    const outcome = given(...confirmedAt3()).when(operatorActivate(2));
    expect([...outcome.before.confirmed]).toEqual([
      ['e1', 3],
      ['e2', 3],
      ['e3', null],
    ]);
    expect([...outcome.after.confirmed]).toEqual([
      ['e1', null],
      ['e2', null],
      ['e3', null],
    ]);
    expect(outcome.after.operatorFloorSeq).toBe(outcome.event.seq);
  });

  it('UNKNOWN_PLAN', () => {
    given(registerEndpoint(), proposePlan(1)).when(operatorActivate(2)).thenRejected('UNKNOWN_PLAN');
  });

  it('PLAN_DELETED', () => {
    given(...confirmedAt3(), deletePlan(1)).when(operatorActivate(1)).thenRejected('PLAN_DELETED');
  });

  it('ALREADY_ACTIVE', () => {
    given(...confirmedAt3()).when(operatorActivate(3)).thenRejected('ALREADY_ACTIVE', 'plan 3 is already active');
  });

  it('a rejected OperatorActivate keeps the confirmations', () => {
    const outcome = given(...confirmedAt3()).when(operatorActivate(3)).thenRejected('ALREADY_ACTIVE');
    expect(outcome.after.confirmed).toEqual(outcome.before.confirmed);
  });
});

describe('activation numbers: one more with every PlanActivated, whoever activates', () => {
  it('counts enactor and operator activations alike', () => {
    const scenario = given(
      registerEndpoint(),
      proposePlan(1),
      proposePlan(2),
      applyPlan(1, 'e1'),
      applyPlan(2, 'e2'),
      operatorActivate(1),
      proposePlan(3),
      applyPlan(3, 'e3'),
      operatorActivate(2),
      attempt(applyPlan(3)),
    );
    const activations = scenario.events.flatMap((event) => (event.type === 'PlanActivated' ? [event.data.activation] : []));
    expect(activations).toEqual([1, 2, 3, 4, 5]);
    scenario.when(operatorActivate(3)).then({
      type: 'PlanActivated',
      data: { generation: 3, activation: 6, previousGeneration: 2, by: operator, reason: 'roll back' },
    });
  });
});

describe('the incident of DESIGN.md, replayed against the fabric', () => {
  it('a stalled enactor cannot write its old plan over a newer one, and the clean-up cannot delete the live plan', () => {
    const scenario = given(
      registerEndpoint({ enactors: ['az-a', 'az-b', 'az-c'], quorum: 2, minValidPlans: 2 }),
      proposePlan(1),
      // az-b picks up plan 1 and stalls before its apply reaches the sequencer…
      proposePlan(2),
      proposePlan(3),
      proposePlan(4),
      applyPlan(2, 'az-a'),
      applyPlan(3, 'az-a'),
      applyPlan(4, 'az-a'),
      confirmApplied(4, 'az-a'),
      confirmApplied(4, 'az-c'),
      // …while the clean-up deletes plans many generations older than the live one.
      deletePlan(1),
      deletePlan(2),
    );
    // The stalled enactor's apply finally arrives: its plan is gone, and it would be stale anyway.
    scenario.when(applyPlan(1, 'az-b')).thenRejected('PLAN_DELETED');
    given(...scenarioCommands()).when(applyPlan(3, 'az-b')).thenRejected('STALE_GENERATION');
    // The clean-up can delete neither the live plan nor the last fallback.
    scenario.when(deletePlan(4)).thenRejected('DELETE_ACTIVE_PLAN');
    scenario.when(deletePlan(3)).thenRejected('WOULD_LEAVE_NO_VALID_PLAN');
    expect(validGenerations(scenario.state)).toEqual([3, 4]);
    expect(scenario.state.active).toEqual({ generation: 4, activation: 3 });
  });

  function scenarioCommands() {
    return [
      registerEndpoint({ enactors: ['az-a', 'az-b', 'az-c'], quorum: 2, minValidPlans: 2 }),
      proposePlan(1),
      proposePlan(2),
      proposePlan(3),
      proposePlan(4),
      applyPlan(2, 'az-a'),
      applyPlan(4, 'az-a'),
    ];
  }

  it('the enactor fencing token: each decided activation is above every earlier one', () => {
    const scenario = given(registerEndpoint(), proposePlan(1), proposePlan(2), applyPlan(1, 'e2'), applyPlan(2, 'e1'));
    const [first, second] = scenario.events.filter((event) => event.type === 'PlanActivated');
    expect(first?.data).toMatchObject({ generation: 1, activation: 1, by: enactor('e2') });
    expect(second?.data).toMatchObject({ generation: 2, activation: 2, by: enactor('e1') });
  });
});
