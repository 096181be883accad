import { describe, expect, it } from 'vitest';
import type { RecordSet, WriteLogEntry } from '@plan-fabric/actors';
import { canonicalJson, replay, signAsSim, simKeyEntries, SIM_AUTHORITY, type Command } from '@plan-fabric/domain';
import { auditFabric } from './fabric-run';
import type { MonitorResult } from './record-set-monitor';

const ENDPOINT = 'audit-spec';
const records = [{ address: '192.0.2.1', weight: 1 }];

/** A decided log: registered, plans 1 and 2 proposed and activated (activations 1 and 2). */
function decidedLog() {
  const keys = simKeyEntries([{ role: 'planner', id: 'p' }, { role: 'enactor', id: 'az1' }]);
  const commands: Command[] = [
    { commandId: 'r', endpointId: ENDPOINT, actor: { role: 'operator', id: 'op' }, type: 'RegisterEndpoint', payload: { enactors: ['az1'], quorum: 1, minValidPlans: 1, maxCapacityDropPercent: 100, keys } },
    { commandId: 'p1', endpointId: ENDPOINT, actor: { role: 'planner', id: 'p' }, type: 'ProposePlan', payload: { generation: 1, records, ttl: 60 } },
    { commandId: 'a1', endpointId: ENDPOINT, actor: { role: 'enactor', id: 'az1' }, type: 'ApplyPlan', payload: { generation: 1 } },
    { commandId: 'p2', endpointId: ENDPOINT, actor: { role: 'planner', id: 'p' }, type: 'ProposePlan', payload: { generation: 2, records, ttl: 60 } },
    { commandId: 'a2', endpointId: ENDPOINT, actor: { role: 'enactor', id: 'az1' }, type: 'ApplyPlan', payload: { generation: 2 } },
  ];
  const { events, state } = replay(ENDPOINT, commands.map((command, offset) => ({ offset, value: canonicalJson(signAsSim(command)) })), SIM_AUTHORITY);
  return { events, state, violations: [] };
}

const write = (id: number, activation: number, generation: number, accepted: boolean): WriteLogEntry => ({
  id,
  activation,
  generation,
  writtenBy: 'az1',
  accepted,
  heldActivation: null,
  atMs: id,
});
const live: RecordSet = { endpointId: ENDPOINT, activation: 2, generation: 2, records, ttl: 60, writtenBy: 'az1' };
const monitor = (emptyMs: number): MonitorResult => ({ emptyMs, emptySpells: emptyMs > 0 ? 1 : 0, samples: 100, firstLiveAtMs: 1, generationsSeen: [1, 2], last: null });
const failed = (checks: ReturnType<typeof auditFabric>) => checks.filter((check) => !check.ok).map((check) => check.name);

describe('auditFabric', () => {
  it('passes a run whose backend followed the decisions, refusing the stale write', () => {
    const writes = [write(1, 1, 1, true), write(2, 2, 2, true), write(3, 1, 1, false)];
    expect(failed(auditFabric(decidedLog(), writes, live, monitor(0)))).toEqual([]);
  });

  it('fails when the backend accepted an earlier activation after a later one', () => {
    const writes = [write(1, 2, 2, true), write(2, 1, 1, true)];
    expect(failed(auditFabric(decidedLog(), writes, live, monitor(0)))).toEqual(['I8 the backend never moved back to an earlier activation']);
  });

  it('fails when the endpoint served nothing for a while, or ends serving something else than decided', () => {
    const writes = [write(1, 1, 1, true)];
    const stale: RecordSet = { ...live, activation: 1, generation: 1 };
    expect(failed(auditFabric(decidedLog(), writes, stale, monitor(40)))).toEqual([
      'I8 the backend never served an empty record set once live',
      'the backend ended on the decided active plan',
    ]);
  });

  it('fails when a write matches no decision, or a step broke an invariant', () => {
    const log = decidedLog();
    const broken = { ...log, violations: [{ invariant: 'I3 deletes follow quorum', endpointId: ENDPOINT, seq: 4, message: 'x' }] };
    expect(failed(auditFabric(broken, [write(1, 2, 1, true)], live, monitor(0)))).toEqual([
      'I1–I5 hold after every decision (checkStep over the events log)',
      'the backend served only decided plans (activation ↔ generation of a PlanActivated)',
    ]);
  });
});
