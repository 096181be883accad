import type { Pool } from 'pg';
import { sleep, type ActivityReport, type BackendSchema } from '@plan-fabric/actors';
import { ActorProcesses, type ActorSpec } from './actor-processes';
import type { DemoSchedule } from './demo-schedule';
import type { Narrator } from './narration';
import { RecordSetMonitor, type MonitorResult } from './record-set-monitor';

export interface StagedRunInput {
  readonly pool: Pool;
  readonly schema: BackendSchema;
  readonly endpointId: string;
  readonly schedule: DemoSchedule;
  readonly env: NodeJS.ProcessEnv;
  /** Enactors and janitor: started first, and waited for. */
  readonly actors: readonly ActorSpec[];
  /** Started once the others are ready; the run's clock starts with it. */
  readonly planner: ActorSpec;
  readonly narrator: Narrator;
  /** Something else the run depends on that died (the sequencer), or null. */
  readonly servicesProblem?: () => string | null;
}

export interface StagedRunOutput {
  readonly monitor: MonitorResult;
  readonly reports: readonly ActivityReport[];
}

/**
 * Runs one staging of the race with real processes and real timing: the
 * enactors and the janitor start and report ready, then the planner starts
 * and the run lasts `schedule.runMs` from there, while a monitor samples what
 * the backend serves. Every actor is stopped at the end, whatever happens.
 */
export async function stageRun(input: StagedRunInput): Promise<StagedRunOutput> {
  const { narrator, schedule } = input;
  const reports: ActivityReport[] = [];
  const processes = new ActorProcesses(
    (report) => {
      reports.push(report);
      if (report.activity === 'ready' && report.actor === input.planner.name) narrator.startClock(report.atMs);
      narrator.activity(report);
    },
    input.env,
  );
  const monitor = new RecordSetMonitor(input.pool, input.schema, input.endpointId, schedule.sampleEveryMs, (sample, previous) =>
    narrator.backend(sample, previous),
  );
  let result: MonitorResult;
  try {
    narrator.say(Date.now(), `starting ${input.actors.map((actor) => actor.name).join(', ')} …`);
    await processes.start(input.actors);
    monitor.start();
    await processes.start([input.planner]);
    const endsAt = Date.now() + schedule.runMs;
    narrator.say(Date.now(), `all actors ready; the planner proposes ${schedule.plans} plans, every ${schedule.planIntervalMs} ms; running ${schedule.runMs / 1000} s`);
    while (Date.now() < endsAt) {
      const problem = processes.problem() ?? input.servicesProblem?.() ?? null;
      if (problem !== null) throw new Error(`the run cannot go on: ${problem}`);
      await sleep(Math.min(200, endsAt - Date.now()));
    }
  } finally {
    await processes.stop();
    result = await monitor.stop();
  }
  return { monitor: result, reports };
}
