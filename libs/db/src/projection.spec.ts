import { describe, expect, it } from 'vitest';
import type { FabricEvent } from '@plan-fabric/domain';
import { EventOutOfSequence, emptyProjection, foldRows, planStatus, projectEvent, type Projection, type ProjectedEvent } from './projection';
import { endpointViewOf } from './queries';
import { exampleEventLog } from './testing/example-event-log';

const log = exampleEventLog('t-unit');

/** Folds the first `count` events and returns every step. */
function steps(count = log.events.length): ProjectedEvent[] {
  let projection: Projection = emptyProjection(log.endpointId);
  return log.events.slice(0, count).map((event, index) => {
    const step = projectEvent(projection, event, { body: log.records[index]?.value ?? '', topicOffset: index * 2 });
    projection = step.projection;
    return step;
  });
}

const statuses = (step: ProjectedEvent | undefined) =>
  Object.fromEntries([...(step?.projection.plans.values() ?? [])].map((plan) => [plan.generation, plan.status]));

describe('projectEvent', () => {
  it('keeps every plan row at the status its plan has in the folded state, after every event', () => {
    for (const step of steps()) {
      const { state } = step.projection;
      const expected = Object.fromEntries([...state.plans.values()].map((plan) => [plan.generation, planStatus(plan, state.active)]));
      expect(statuses(step)).toEqual(expected);
    }
  });

  it('moves plans between pending, active, fallback and deleted, an operator rollback included', () => {
    const all = steps();
    expect(statuses(all[2])).toEqual({ 1: 'pending', 2: 'pending' });
    expect(statuses(all[3])).toEqual({ 1: 'active', 2: 'pending' });
    expect(statuses(all[6])).toEqual({ 1: 'fallback', 2: 'active' });
    expect(statuses(all[10])).toEqual({ 1: 'deleted', 2: 'active' });
    expect(statuses(all[15])).toEqual({ 1: 'deleted', 2: 'fallback', 3: 'active' });
    // seq 18: OperatorActivate 2 — plan 3 is pending again; valid plans are 2 only.
    expect(statuses(all[17])).toEqual({ 1: 'deleted', 2: 'active', 3: 'pending' });
    expect(all[17]?.endpoint).toMatchObject({ activeGeneration: 2, activation: 4, validPlanCount: 1, lastEventSeq: 18 });
    // Only the plans whose row changed are written.
    expect(all[17]?.plans.map((plan) => plan.generation)).toEqual([2, 3]);
    expect(all[4]?.plans).toEqual([]);
  });

  it('keeps each enactor confirmation and its lag behind the active generation', () => {
    const all = steps();
    const lags = (step: ProjectedEvent | undefined) =>
      Object.fromEntries([...(step?.projection.progress.values() ?? [])].map((row) => [row.enactorId, [row.confirmedGeneration, row.lag]]));
    expect(lags(all[0])).toEqual({ 'az-a': [null, null], 'az-b': [null, null], 'az-c': [null, null] });
    expect(lags(all[5])).toEqual({ 'az-a': [1, 0], 'az-b': [1, 0], 'az-c': [null, null] });
    expect(lags(all[6])).toEqual({ 'az-a': [1, 1], 'az-b': [1, 1], 'az-c': [null, null] });
    expect(lags(all[17])).toEqual({ 'az-a': [null, null], 'az-b': [null, null], 'az-c': [null, null] });
    expect(all[6]?.progress.map((row) => row.enactorId)).toEqual(['az-a', 'az-b']);
  });

  it('records every command outcome with what the event tells about the command', () => {
    const decisions = steps().map((step) => step.decision);
    expect(decisions.map((d) => d.outcome)).toEqual(log.events.map((e) => (e.type === 'CommandRejected' ? 'rejected' : e.type === 'CommandDuplicated' ? 'duplicate' : 'accepted')));
    expect(decisions[1]).toMatchObject({ commandType: 'ProposePlan', actorRole: 'planner', actorId: null });
    expect(decisions[4]).toMatchObject({ commandType: 'ConfirmApplied', actorRole: 'enactor', actorId: 'az-a' });
    expect(decisions[10]).toMatchObject({ commandType: 'DeletePlan', actorRole: 'janitor', commandId: 'delete-1' });
    expect(decisions[19]).toMatchObject({ outcome: 'rejected', reason: 'NOT_AUTHORIZED', commandType: 'ConfirmApplied', actorId: 'az-z' });
  });

  it('refuses an event out of sequence or of another endpoint', () => {
    const all = steps(5);
    const projection = all[4]?.projection ?? emptyProjection(log.endpointId);
    const next = log.events[5] as FabricEvent;
    expect(() => projectEvent(projection, log.events[6] as FabricEvent, { body: '', topicOffset: 12 })).toThrow(EventOutOfSequence);
    expect(() => projectEvent(projection, log.events[3] as FabricEvent, { body: '', topicOffset: 12 })).toThrow(/has seq 4, expected 6 — seq 4 is already projected/);
    expect(() => projectEvent(projection, { ...next, endpointId: 't-other' }, { body: '', topicOffset: 10 })).toThrow(/for endpoint 't-other'/);
  });

  it('folds to rows whose view equals the domain state', () => {
    const rows = foldRows(log.endpointId, log.records.map((record, index) => ({ event: log.events[index] as FabricEvent, body: record.value ?? '', topicOffset: record.offset })));
    expect(rows.endpoint.lastEventSeq).toBe(log.events.length);
    expect(rows.plans.filter((p) => p.status === 'active' || p.status === 'fallback').map((p) => p.generation)).toEqual(endpointViewOf(log.state).validGenerations);
    expect(rows.decisions).toHaveLength(log.commands.length);
  });
});
