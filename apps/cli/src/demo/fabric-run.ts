import type { Pool } from 'pg';
import { readRecordSet, readWriteLog, UNSAFE_DELETE_REASONS, type RecordSet, type WriteLogEntry } from '@plan-fabric/actors';
import { endpointView, foldRows, projectionRows } from '@plan-fabric/db';
import { loadConfig } from '@plan-fabric/config';
import { canonicalJson, replay, serializeEvent, type Authority, type FabricEvent } from '@plan-fabric/domain';
import { authorityFrom } from '@plan-fabric/identity';
import { sleep } from '@plan-fabric/actors';
import type { ActorSpec } from './actor-processes';
import type { DemoSchedule } from './demo-schedule';
import type { EventLogObserver } from './event-log-observer';
import type { Narrator } from './narration';
import type { MonitorResult } from './record-set-monitor';
import type { AuditCheck, RunResult } from './run-results';
import type { DnsProbeResult } from './dns-probe';
import { stageRun, type StagedRunInput } from './staged-run';

/** The fabric processes of the schedule: the NestJS planner, enactors and janitor. */
export function fabricActors(endpointId: string, schedule: DemoSchedule): { actors: ActorSpec[]; planner: ActorSpec } {
  const base = ['--endpoint', endpointId];
  const actors: ActorSpec[] = schedule.enactors.map((pace) => ({
    name: pace.id,
    entry: 'apps/enactor/src/main.ts',
    args: [
      ...base, '--actor', pace.id,
      '--stall-ms', String(pace.stallMs),
      '--claim-delay-ms', String(pace.claimDelayMs),
      '--apply-ms', String(pace.applyMs),
    ],
  }));
  actors.push({
    name: 'janitor',
    entry: 'apps/janitor/src/main.ts',
    args: [...base, '--actor', 'janitor', '--interval-ms', String(schedule.janitorIntervalMs), '--keep', String(schedule.keep)],
  });
  const planner: ActorSpec = {
    name: 'planner',
    entry: 'apps/planner/src/main.ts',
    args: [...base, '--actor', 'planner', '--interval-ms', String(schedule.planIntervalMs), '--count', String(schedule.plans)],
  };
  return { actors, planner };
}

export interface FabricRunOutput {
  readonly result: RunResult;
  readonly checks: readonly AuditCheck[];
}

/** Longest wait, after the actors stopped, for the sequencer to decide every command they sent. */
export const OUTCOMES_WAIT_MS = 30_000;

/**
 * The fabric run: the same timing, but every change goes through the
 * sequencer and every backend write carries its activation as a fencing
 * token. Afterwards every decision is re-checked from the events log, and the
 * backend's history against invariant 8.
 */
export async function runFabric(
  pool: Pool,
  endpointId: string,
  schedule: DemoSchedule,
  env: NodeJS.ProcessEnv,
  narrator: Narrator,
  observer: EventLogObserver,
  servicesProblem: () => string | null,
  dns: StagedRunInput['dns'] = null,
): Promise<FabricRunOutput> {
  const { actors, planner } = fabricActors(endpointId, schedule);
  const { monitor, dns: dnsAnswers } = await stageRun({ pool, schema: 'dns', endpointId, schedule, env, actors, planner, narrator, servicesProblem, dns });
  await observer.waitForAllOutcomes(OUTCOMES_WAIT_MS);
  const writes = await readWriteLog(pool, 'dns', endpointId);
  const live = await readRecordSet(pool, 'dns', endpointId);
  const events = observer.events;
  const rejected = (commandType: string) =>
    events.flatMap((event) => (event.type === 'CommandRejected' && event.data.commandType === commandType ? [event.data.reason] : []));
  const tally = (reasons: readonly string[]) => reasons.reduce<Record<string, number>>((counts, reason) => ({ ...counts, [reason]: (counts[reason] ?? 0) + 1 }), {});
  const unsafeRefused = rejected('DeletePlan').filter((reason) => (UNSAFE_DELETE_REASONS as readonly string[]).includes(reason));
  const brokenSeqs = new Set(observer.violations.map((violation) => violation.seq));
  const result: RunResult = {
    label: 'fabric',
    monitor,
    staleWritesLanded: staleAccepted(writes).length,
    staleWritesRefused: writes.filter((entry) => !entry.accepted).length,
    claimsRefused: tally(rejected('ApplyPlan')),
    unsafeDeletesLanded: events.filter((event) => event.type === 'PlanDeleted' && brokenSeqs.has(event.seq)).length,
    unsafeDeletesRefused: unsafeRefused.length,
    unsafeDeletesRefusedByReason: tally(unsafeRefused),
    plansDeleted: events.filter((event) => event.type === 'PlanDeleted').length,
    applyFailures: 0,
    finalGeneration: live?.generation ?? null,
    finalRecords: live?.records.length ?? 0,
    decidedGeneration: observer.state.active?.generation ?? null,
    dns: dnsAnswers,
  };
  const checks = [
    ...auditFabric(observer, writes, live, monitor),
    ...(dnsAnswers === null ? [] : [dnsCheck(dnsAnswers)]),
    await replayCheck(endpointId, observer, authorityFrom(loadConfig(env))),
    await projectionCheck(pool, endpointId, observer),
  ];
  return { result, checks };
}

/**
 * Invariant 8 as a client sees it: once the DNS face answered with records, it
 * never answered without. Queries that got no answer in time say nothing about
 * the record set (a loaded machine), so they fail the check only by being
 * reported; a face that answered but never with records fails it.
 */
export function dnsCheck(dns: DnsProbeResult): AuditCheck {
  const failed = dns.failed === 0 ? '' : `; ${dns.failed} queries got no answer in time (a slow face, not an empty record set)`;
  return {
    name: 'I8 through the DNS face: every answer had records once the endpoint was live',
    ok: dns.emptyAfterLive === 0 && (dns.withRecords > 0 || dns.failed > 0),
    detail:
      dns.withRecords === 0
        ? `the DNS face never answered ${dns.name} with records (${dns.queries} queries${failed})`
        : `${dns.withRecords} of ${dns.queries} answers for ${dns.name} had records, ${dns.emptyAfterLive} were empty once live${failed}`,
  };
}

/** Longest wait for reading the command log back, and for the projector to reach the last event. */
export const AUDIT_READ_WAIT_MS = 30_000;

/** Invariant 6: the command log, replayed through decide, gives the event log byte for byte. */
async function replayCheck(endpointId: string, observer: EventLogObserver, authority: Authority): Promise<AuditCheck> {
  const name = 'I6 replaying the command log reproduces the event log byte for byte';
  try {
    const commands = await observer.readCommandLog(AUDIT_READ_WAIT_MS);
    const expected = replay(endpointId, commands, authority).events.map(serializeEvent);
    const actual = observer.records.map((record) => record.value);
    const differs = expected.findIndex((text, index) => text !== actual[index]);
    if (differs === -1 && expected.length === actual.length) {
      return { name, ok: true, detail: `${commands.length} command records replayed to ${expected.length} identical events` };
    }
    const at = differs === -1 ? Math.min(expected.length, actual.length) : differs;
    return { name, ok: false, detail: `first difference at event seq ${at + 1} (replay: ${expected.length} events, log: ${actual.length})` };
  } catch (error) {
    return { name, ok: false, detail: `replay failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Invariant 7: the projector's tables equal a fold of the events it read. */
async function projectionCheck(pool: Pool, endpointId: string, observer: EventLogObserver): Promise<AuditCheck> {
  const name = 'I7 the projection equals the fold of the events log';
  const lastSeq = observer.state.nextSeq - 1;
  const deadline = Date.now() + AUDIT_READ_WAIT_MS;
  let projected = -1;
  while (projected < lastSeq) {
    projected = (await endpointView(pool, endpointId))?.lastEventSeq ?? -1;
    if (projected >= lastSeq) break;
    if (Date.now() > deadline) {
      return { name, ok: false, detail: `the projector reached seq ${projected} of ${lastSeq} within ${AUDIT_READ_WAIT_MS} ms — is it running?` };
    }
    await sleep(100);
  }
  const stored = await projectionRows(pool, endpointId);
  const folded = foldRows(
    endpointId,
    observer.events.map((event, index) => ({ event, body: observer.records[index]?.value ?? '', topicOffset: observer.records[index]?.offset ?? -1 })),
  );
  const ok = stored !== null && canonicalJson(stored) === canonicalJson(folded);
  return {
    name,
    ok,
    detail: ok
      ? `fabric.* rows of the endpoint equal the fold of its ${observer.events.length} events`
      : `fabric.* rows differ from the fold of the events (${stored === null ? 'nothing projected' : 'compare projectionRows with foldRows'})`,
  };
}

/** Accepted writes whose activation is below one the backend had already accepted: the backend went back. */
function staleAccepted(writes: readonly WriteLogEntry[]): WriteLogEntry[] {
  let held = 0;
  const stale: WriteLogEntry[] = [];
  for (const entry of writes) {
    if (!entry.accepted) continue;
    if (entry.activation < held) stale.push(entry);
    held = Math.max(held, entry.activation);
  }
  return stale;
}

/** The invariants of DESIGN.md a run of the fabric can be checked against from outside. */
export function auditFabric(
  observer: Pick<EventLogObserver, 'events' | 'violations' | 'state'>,
  writes: readonly WriteLogEntry[],
  live: RecordSet | null,
  monitor: MonitorResult,
): AuditCheck[] {
  const events = observer.events;
  const activations = new Map<number, number>();
  for (const event of events) if (event.type === 'PlanActivated') activations.set(event.data.activation, event.data.generation);
  const undecided = writes.filter((entry) => entry.accepted && activations.get(entry.activation) !== entry.generation);
  const backwards = staleAccepted(writes);
  const active = observer.state.active;
  const violations = observer.violations;
  return [
    {
      name: 'I1–I5 hold after every decision (checkStep over the events log)',
      ok: violations.length === 0 && events.length > 0,
      detail:
        violations.length === 0
          ? `${events.length} events, ${countOutcomes(events)}`
          : violations.slice(0, 5).map((v) => `seq ${v.seq}: ${v.invariant}: ${v.message}`).join('; '),
    },
    {
      name: 'I8 the backend never served an empty record set once live',
      ok: monitor.emptyMs === 0 && live !== null && live.records.length > 0,
      detail: `${monitor.emptyMs} ms empty over ${monitor.samples} samples; it serves ${live === null ? 'nothing' : `${live.records.length} records`}`,
    },
    {
      name: 'I8 the backend never moved back to an earlier activation',
      ok: backwards.length === 0,
      detail:
        backwards.length === 0
          ? `${writes.filter((entry) => entry.accepted).length} writes accepted in rising activation order, ${writes.filter((entry) => !entry.accepted).length} refused by the fence`
          : backwards.map((entry) => `activation ${entry.activation} by ${entry.writtenBy} accepted after a higher one`).join('; '),
    },
    {
      name: 'the backend served only decided plans (activation ↔ generation of a PlanActivated)',
      ok: undecided.length === 0,
      detail: undecided.length === 0 ? 'every accepted write matches its PlanActivated event' : `${undecided.length} writes match no decision`,
    },
    {
      name: 'the backend ended on the decided active plan',
      ok: active !== null && live !== null && live.activation === active.activation && live.generation === active.generation,
      detail: `decided: gen ${active?.generation ?? '—'} (activation ${active?.activation ?? '—'}); backend: gen ${live?.generation ?? '—'} (activation ${live?.activation ?? '—'})`,
    },
  ];
}

function countOutcomes(events: readonly FabricEvent[]): string {
  const rejected = events.filter((event) => event.type === 'CommandRejected').length;
  const duplicates = events.filter((event) => event.type === 'CommandDuplicated').length;
  return `${events.length - rejected - duplicates} accepted, ${rejected} rejected, ${duplicates} duplicate`;
}
