import type { Pool } from 'pg';
import { NaiveStore, readCleanupLog, readWriteLog } from '@plan-fabric/actors';
import type { ActorSpec } from './actor-processes';
import type { DemoSchedule } from './demo-schedule';
import type { Narrator } from './narration';
import type { RunResult } from './run-results';
import { stageRun, type StagedRunInput } from './staged-run';

const NAIVE_ENTRY = 'apps/naive/src/main.ts';

/** The naive processes of the schedule: the incident's actors on schema `naive`. */
export function naiveActors(endpointId: string, schedule: DemoSchedule): { actors: ActorSpec[]; planner: ActorSpec } {
  const base = ['--endpoint', endpointId];
  const actors: ActorSpec[] = schedule.enactors.map((pace) => ({
    name: pace.id,
    entry: NAIVE_ENTRY,
    args: [
      '--role', 'enactor', ...base, '--actor', pace.id,
      '--poll-ms', String(schedule.naivePollMs),
      '--stall-ms', String(pace.stallMs),
      '--claim-delay-ms', String(pace.claimDelayMs),
      '--apply-ms', String(pace.applyMs),
    ],
  }));
  actors.push({
    name: 'janitor',
    entry: NAIVE_ENTRY,
    args: ['--role', 'janitor', ...base, '--actor', 'janitor', '--interval-ms', String(schedule.janitorIntervalMs), '--keep', String(schedule.keep)],
  });
  const planner: ActorSpec = {
    name: 'planner',
    entry: NAIVE_ENTRY,
    args: ['--role', 'planner', ...base, '--actor', 'planner', '--interval-ms', String(schedule.planIntervalMs), '--count', String(schedule.plans)],
  };
  return { actors, planner };
}

/**
 * The naive run: each enactor checks "newer than applied?" once, stalls, and
 * writes the backend unconditionally; the clean-up deletes old plans and their
 * records without asking which one is live.
 */
export async function runNaive(
  pool: Pool,
  endpointId: string,
  schedule: DemoSchedule,
  env: NodeJS.ProcessEnv,
  narrator: Narrator,
  dns: StagedRunInput['dns'] = null,
): Promise<RunResult> {
  const { actors, planner } = naiveActors(endpointId, schedule);
  const { monitor, reports, dns: dnsAnswers } = await stageRun({ pool, schema: 'naive', endpointId, schedule, env, actors, planner, narrator, dns });

  const writes = await readWriteLog(pool, 'naive', endpointId);
  const cleanup = await readCleanupLog(pool, endpointId);
  const live = await new NaiveStore(pool).readLive(endpointId);
  const liveDeletes = new Set(cleanup.filter((entry) => entry.wasLive).map((entry) => entry.generation));
  return {
    label: 'naive',
    monitor,
    staleWritesLanded: writes.filter((entry) => entry.heldActivation !== null && entry.heldActivation > entry.generation).length,
    staleWritesRefused: null,
    claimsRefused: null,
    unsafeDeletesLanded: liveDeletes.size,
    unsafeDeletesRefused: null,
    unsafeDeletesRefusedByReason: {},
    plansDeleted: cleanup.filter((entry) => entry.what === 'plan').length,
    applyFailures: reports.filter((report) => report.activity === 'apply-failed').length,
    finalGeneration: live?.generation ?? null,
    finalRecords: live?.records.length ?? 0,
    decidedGeneration: null,
    dns: dnsAnswers,
  };
}
