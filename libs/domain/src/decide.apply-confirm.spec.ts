import { describe, expect, it } from 'vitest';
import {
  applyPlan,
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

describe('ApplyPlan', () => {
  it('the first activation: activation 1, no previous generation, no capacity check', () => {
    const outcome = given(registerEndpoint(), proposePlan(1, { records: weights(1) }))
      .when(applyPlan(1, 'e2'))
      .then({
        type: 'PlanActivated',
        data: { generation: 1, activation: 1, previousGeneration: null, by: enactor('e2'), reason: null },
      });
    expect(outcome.after.active).toEqual({ generation: 1, activation: 1 });
  });

  it('a newer plan: the activation grows by one and names the generation it replaces', () => {
    given(registerEndpoint(), proposePlan(1), proposePlan(3), applyPlan(1))
      .when(applyPlan(3, 'e3'))
      .then({
        type: 'PlanActivated',
        data: { generation: 3, activation: 2, previousGeneration: 1, by: enactor('e3'), reason: null },
      });
  });

  it('may skip proposed generations', () => {
    given(registerEndpoint(), proposePlan(1), proposePlan(2), proposePlan(3), applyPlan(1))
      .when(applyPlan(3))
      .then({ type: 'PlanActivated', data: { generation: 3, activation: 2, previousGeneration: 1, by: enactor('e1'), reason: null } });
  });

  it('keeps confirmations: an enactor activation does not clear them', () => {
    const outcome = given(registerEndpoint(), proposePlan(1), proposePlan(2), applyPlan(1), confirmApplied(1, 'e1'))
      .when(applyPlan(2, 'e2'))
      .then({ type: 'PlanActivated', data: { generation: 2, activation: 2, previousGeneration: 1, by: enactor('e2'), reason: null } });
    expect(outcome.after.confirmed.get('e1')).toBe(1);
    expect(outcome.after.operatorFloorSeq).toBe(0);
  });

  it('UNKNOWN_PLAN', () => {
    given(registerEndpoint(), proposePlan(1)).when(applyPlan(2)).thenRejected('UNKNOWN_PLAN', 'no plan of generation 2 was proposed');
    given(registerEndpoint()).when(applyPlan(1)).thenRejected('UNKNOWN_PLAN');
  });

  it('PLAN_DELETED, before STALE_GENERATION', () => {
    given(
      registerEndpoint({ quorum: 1 }),
      proposePlan(1),
      proposePlan(2),
      applyPlan(1),
      applyPlan(2),
      confirmApplied(2),
      deletePlan(1),
    )
      .when(applyPlan(1, 'e2'))
      .thenRejected('PLAN_DELETED', 'plan 1 was deleted');
  });

  it('ALREADY_ACTIVE', () => {
    given(registerEndpoint(), proposePlan(1), applyPlan(1, 'e1'))
      .when(applyPlan(1, 'e2'))
      .thenRejected('ALREADY_ACTIVE', 'plan 1 is already active');
  });

  it('ALREADY_ACTIVE before STALE_GENERATION: the plan an operator made live was proposed before its activation', () => {
    given(registerEndpoint(), proposePlan(1), proposePlan(2), applyPlan(2), operatorActivate(1))
      .when(applyPlan(1))
      .thenRejected('ALREADY_ACTIVE');
  });

  describe('STALE_GENERATION', () => {
    it('below the active generation: the stalled enactor of the incident', () => {
      given(registerEndpoint(), proposePlan(1), proposePlan(2), proposePlan(3), applyPlan(3, 'e1'))
        .when(applyPlan(1, 'e2'))
        .thenRejected('STALE_GENERATION', 'plan 1 is older than the active plan 3');
    });

    it('above the active generation but proposed before the last OperatorActivate', () => {
      given(registerEndpoint(), proposePlan(1), proposePlan(2), proposePlan(3), applyPlan(3), operatorActivate(1))
        .when(applyPlan(2))
        .thenRejected('STALE_GENERATION', 'plan 2 was proposed before the last operator activation');
    });

    it('the rolled-back plan itself does not come back by itself', () => {
      given(registerEndpoint(), proposePlan(1), proposePlan(2), applyPlan(2), operatorActivate(1))
        .when(applyPlan(2, 'e3'))
        .thenRejected('STALE_GENERATION', 'plan 2 was proposed before the last operator activation');
    });

    it('a plan proposed before an operator activation that made the first plan live', () => {
      given(registerEndpoint(), proposePlan(1), proposePlan(2), operatorActivate(1, 'bootstrap'))
        .when(applyPlan(2))
        .thenRejected('STALE_GENERATION');
    });

    it('is checked before CAPACITY_DROP_TOO_LARGE', () => {
      given(registerEndpoint(), proposePlan(1, { records: weights(1) }), proposePlan(2), applyPlan(2))
        .when(applyPlan(1))
        .thenRejected('STALE_GENERATION');
      given(registerEndpoint(), proposePlan(1), proposePlan(2, { records: weights(1) }), proposePlan(3), applyPlan(3), operatorActivate(1))
        .when(applyPlan(2))
        .thenRejected('STALE_GENERATION');
    });

    it('a plan proposed after the operator activation is applied normally', () => {
      given(registerEndpoint(), proposePlan(1), proposePlan(2), applyPlan(2), operatorActivate(1), proposePlan(3))
        .when(applyPlan(3))
        .then({ type: 'PlanActivated', data: { generation: 3, activation: 3, previousGeneration: 1, by: enactor('e1'), reason: null } });
    });
  });

  describe('CAPACITY_DROP_TOO_LARGE (maxCapacityDropPercent 50, live total weight 100)', () => {
    const live = () => given(registerEndpoint({ maxCapacityDropPercent: 50 }), proposePlan(1, { records: weights(60, 40) }), applyPlan(1));

    it('a drop of exactly 50% is allowed (the boundary)', () => {
      live()
        .when(proposePlan(2, { records: weights(25, 25) }))
        .then({ type: 'PlanProposed', data: { generation: 2, records: weights(25, 25), ttl: 60 } });
      given(registerEndpoint({ maxCapacityDropPercent: 50 }), proposePlan(1, { records: weights(60, 40) }), applyPlan(1), proposePlan(2, { records: weights(25, 25) }))
        .when(applyPlan(2))
        .then({ type: 'PlanActivated', data: { generation: 2, activation: 2, previousGeneration: 1, by: enactor('e1'), reason: null } });
    });

    it('a drop one unit more than 50% is refused', () => {
      given(registerEndpoint({ maxCapacityDropPercent: 50 }), proposePlan(1, { records: weights(60, 40) }), applyPlan(1), proposePlan(2, { records: weights(25, 24) }))
        .when(applyPlan(2))
        .thenRejected('CAPACITY_DROP_TOO_LARGE', 'total weight would fall from 100 to 49, more than 50%');
    });

    it('a rise or no change always passes', () => {
      given(registerEndpoint({ maxCapacityDropPercent: 0 }), proposePlan(1, { records: weights(10) }), applyPlan(1), proposePlan(2, { records: weights(5, 5) }))
        .when(applyPlan(2))
        .then({ type: 'PlanActivated', data: { generation: 2, activation: 2, previousGeneration: 1, by: enactor('e1'), reason: null } });
      given(registerEndpoint({ maxCapacityDropPercent: 0 }), proposePlan(1, { records: weights(10) }), applyPlan(1), proposePlan(2, { records: weights(1000) }))
        .when(applyPlan(2))
        .then({ type: 'PlanActivated', data: { generation: 2, activation: 2, previousGeneration: 1, by: enactor('e1'), reason: null } });
    });

    it('drop percent 0 refuses any drop', () => {
      given(registerEndpoint({ maxCapacityDropPercent: 0 }), proposePlan(1, { records: weights(1000) }), applyPlan(1), proposePlan(2, { records: weights(999) }))
        .when(applyPlan(2))
        .thenRejected('CAPACITY_DROP_TOO_LARGE');
    });

    it('drop percent 100 allows any drop', () => {
      given(registerEndpoint({ maxCapacityDropPercent: 100 }), proposePlan(1, { records: weights(1000) }), applyPlan(1), proposePlan(2, { records: weights(1) }))
        .when(applyPlan(2))
        .then({ type: 'PlanActivated', data: { generation: 2, activation: 2, previousGeneration: 1, by: enactor('e1'), reason: null } });
    });

    it('with a percent that does not divide the weight: 33% of 10 allows 7, refuses 6', () => {
      const setup = (weight: number) =>
        given(registerEndpoint({ maxCapacityDropPercent: 33 }), proposePlan(1, { records: weights(10) }), applyPlan(1), proposePlan(2, { records: weights(weight) }));
      setup(7).when(applyPlan(2)).then({ type: 'PlanActivated', data: { generation: 2, activation: 2, previousGeneration: 1, by: enactor('e1'), reason: null } });
      setup(6).when(applyPlan(2)).thenRejected('CAPACITY_DROP_TOO_LARGE');
    });

    it('is measured from the live plan, also when an operator made it live', () => {
      given(
        registerEndpoint({ maxCapacityDropPercent: 50 }),
        proposePlan(1, { records: weights(10) }),
        proposePlan(2, { records: weights(100) }),
        applyPlan(1),
        operatorActivate(2, 'scale up'),
        proposePlan(3, { records: weights(40) }),
      )
        .when(applyPlan(3))
        .thenRejected('CAPACITY_DROP_TOO_LARGE', 'total weight would fall from 100 to 40, more than 50%');
    });
  });
});

describe('ConfirmApplied', () => {
  const live = () => given(registerEndpoint(), proposePlan(1), proposePlan(2), applyPlan(1), applyPlan(2));

  it('records the confirmation of the active plan', () => {
    const outcome = live().when(confirmApplied(2, 'e3')).then({ type: 'PlanConfirmed', data: { enactorId: 'e3', generation: 2 } });
    expect(outcome.after.confirmed.get('e3')).toBe(2);
    expect(outcome.after.confirmed.get('e1')).toBeNull();
  });

  it('may be repeated for the same generation (a new command id)', () => {
    given(registerEndpoint(), proposePlan(1), applyPlan(1), confirmApplied(1, 'e1'))
      .when(confirmApplied(1, 'e1'))
      .then({ type: 'PlanConfirmed', data: { enactorId: 'e1', generation: 1 } });
  });

  it('OUT_OF_ORDER_CONFIRMATION: below this enactor’s last confirmation', () => {
    given(registerEndpoint(), proposePlan(1), proposePlan(2), applyPlan(1), confirmApplied(1, 'e1'), applyPlan(2), confirmApplied(2, 'e1'))
      .when(confirmApplied(1, 'e1'))
      .thenRejected('OUT_OF_ORDER_CONFIRMATION', "enactor 'e1' already confirmed generation 2");
  });

  it('another enactor’s lower confirmation is not out of order, only stale', () => {
    given(registerEndpoint(), proposePlan(1), proposePlan(2), applyPlan(1), applyPlan(2), confirmApplied(2, 'e1'))
      .when(confirmApplied(1, 'e2'))
      .thenRejected('STALE_GENERATION', 'generation 1 is not the active one (2)');
  });

  describe('STALE_GENERATION', () => {
    it('no plan is active yet', () => {
      given(registerEndpoint(), proposePlan(1)).when(confirmApplied(1)).thenRejected('STALE_GENERATION', 'generation 1 is not the active one (none)');
    });

    it('an older generation than the active one', () => {
      live().when(confirmApplied(1, 'e2')).thenRejected('STALE_GENERATION', 'generation 1 is not the active one (2)');
    });

    it('a newer generation than the active one', () => {
      given(registerEndpoint(), proposePlan(1), proposePlan(2), applyPlan(1))
        .when(confirmApplied(2))
        .thenRejected('STALE_GENERATION', 'generation 2 is not the active one (1)');
    });

    it('a generation never proposed', () => {
      live().when(confirmApplied(99)).thenRejected('STALE_GENERATION');
    });
  });

  it('OUT_OF_ORDER_CONFIRMATION is checked before STALE_GENERATION', () => {
    given(registerEndpoint(), proposePlan(1), proposePlan(2), proposePlan(3), applyPlan(2), confirmApplied(2, 'e1'), applyPlan(3))
      .when(confirmApplied(1, 'e1'))
      .thenRejected('OUT_OF_ORDER_CONFIRMATION');
  });

  it('after an OperatorActivate an enactor confirms the older plan the operator made live', () => {
    const outcome = given(registerEndpoint(), proposePlan(1), proposePlan(2), applyPlan(1), applyPlan(2), confirmApplied(2, 'e1'), operatorActivate(1))
      .when(confirmApplied(1, 'e1'))
      .then({ type: 'PlanConfirmed', data: { enactorId: 'e1', generation: 1 } });
    expect(outcome.before.confirmed.get('e1')).toBeNull();
  });

  it('an operator cannot confirm for an enactor', () => {
    live().when(confirmApplied(2, 'e1', { actor: operator })).thenRejected('NOT_AUTHORIZED');
  });
});
