import { describe, expect, it } from 'vitest';
import { canonicalJson, replay, SIM_AUTHORITY } from '@plan-fabric/domain';
import { exampleEventLog, type EndpointEventLog } from '@plan-fabric/db';
import { dryRun, dryRunRecord, foldEventLog } from './dry-run';

const s = exampleEventLog('dry-run-example');
const log: EndpointEventLog = { lastEventSeq: s.events.length, bodies: s.records.map((record) => record.value ?? '') };

describe('dry run', () => {
  it('gives exactly the event the sequencer gives for the same record at the next offset', () => {
    const records = [
      dryRunRecord(s.endpointId, { type: 'DeletePlan', actor: { role: 'janitor', id: 'janitor-1' }, payload: { generation: 4 } }),
      dryRunRecord(s.endpointId, { type: 'OperatorActivate', actor: { role: 'operator', id: 'op' }, payload: { generation: 3, reason: 'r' } }),
      dryRunRecord(s.endpointId, { type: 'ApplyPlan', actor: { role: 'enactor', id: 'az-b' }, payload: { generation: 4 } }),
      dryRunRecord(s.endpointId, { commandId: 'delete-1', type: 'DeletePlan', actor: { role: 'janitor', id: 'janitor-1' }, payload: { generation: 1 } }),
      '{"truncated":',
    ];
    for (const record of records) {
      const answer = dryRun(s.endpointId, log, record);
      const sequenced = replay(s.endpointId, [...s.commands, { offset: s.state.nextCommandOffset, value: record }], SIM_AUTHORITY).events.at(-1);
      expect(canonicalJson(answer.event)).toBe(canonicalJson(sequenced));
      expect(answer.basis).toEqual({ projected: true, lastEventSeq: s.events.length, commandOffset: s.state.nextCommandOffset });
      expect(answer.violations).toEqual([]);
    }
  });

  it('reports the outcome and the state after it, and leaves the log it was given as it was', () => {
    const bodies = [...log.bodies];
    const rollback = dryRun(
      s.endpointId,
      log,
      dryRunRecord(s.endpointId, { type: 'OperatorActivate', actor: { role: 'operator', id: 'op' }, payload: { generation: 3, reason: 'r' } }),
    );
    expect(rollback.outcome).toBe('accepted');
    expect(rollback.after).toMatchObject({ activeGeneration: 3, lastEventSeq: s.events.length + 1 });
    const duplicate = dryRun(
      s.endpointId,
      log,
      dryRunRecord(s.endpointId, { commandId: 'delete-1', type: 'DeletePlan', actor: { role: 'janitor', id: 'janitor-1' }, payload: { generation: 1 } }),
    );
    expect(duplicate.outcome).toBe('duplicate');
    expect(log.bodies).toEqual(bodies);
  });

  it('answers from an empty log for an endpoint with nothing projected: only RegisterEndpoint passes', () => {
    const register = dryRun('fresh', null, dryRunRecord('fresh', { type: 'RegisterEndpoint', actor: { role: 'operator', id: 'op' }, payload: { enactors: ['a'], quorum: 1, minValidPlans: 1, maxCapacityDropPercent: 10 } }));
    expect(register).toMatchObject({ outcome: 'accepted', basis: { projected: false, lastEventSeq: 0, commandOffset: 0 }, event: { type: 'EndpointRegistered', seq: 1 } });
    const propose = dryRun('fresh', null, dryRunRecord('fresh', { type: 'ApplyPlan', actor: { role: 'enactor', id: 'a' }, payload: { generation: 1 } }));
    expect(propose.event).toMatchObject({ type: 'CommandRejected', data: { reason: 'UNKNOWN_ENDPOINT' } });
  });

  it('refuses a projected log with a gap or a wrong count rather than answering from a wrong state', () => {
    expect(() => foldEventLog(s.endpointId, { lastEventSeq: log.lastEventSeq, bodies: log.bodies.filter((_, index) => index !== 3) })).toThrow(
      /not contiguous: found seq 5 .* where seq 4 was next/,
    );
    expect(() => foldEventLog(s.endpointId, { lastEventSeq: log.lastEventSeq + 1, bodies: log.bodies })).toThrow(/says last seq/);
  });

  it('fills in a missing commandId and endpointId, and takes a string as the raw record', () => {
    const filled = JSON.parse(dryRunRecord('ep', { type: 'ApplyPlan' })) as Record<string, unknown>;
    expect(filled['endpointId']).toBe('ep');
    expect(filled['commandId']).toMatch(/^dry-run-/);
    expect(JSON.parse(dryRunRecord('ep', { commandId: 'mine', endpointId: 'other' }))).toEqual({ commandId: 'mine', endpointId: 'other' });
    expect(dryRunRecord('ep', 'raw text')).toBe('raw text');
    expect(dryRunRecord('ep', [1, 2])).toBe('[1,2]');
  });
});
