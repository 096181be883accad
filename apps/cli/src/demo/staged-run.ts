import type { Pool } from 'pg';
import { sleep, type ActivityReport, type BackendSchema } from '@plan-fabric/actors';
import { ActorProcesses, type ActorSpec } from './actor-processes';
import type { DemoSchedule } from './demo-schedule';
import { DnsProbe, type DnsProbeResult } from './dns-probe';
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
  /** The DNS face answering for this run's backend: probed every DNS_PROBE_EVERY_MS while the run goes. */
  readonly dns?: { readonly port: number; readonly name: string } | null;
}

/** How often the DNS probe asks the DNS face, as a client would. */
export const DNS_PROBE_EVERY_MS = 100;

export interface StagedRunOutput {
  readonly monitor: MonitorResult;
  readonly reports: readonly ActivityReport[];
  /** What the DNS face answered during the run; null without one. */
  readonly dns: DnsProbeResult | null;
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
  const dns = input.dns ?? null;
  const probe = dns === null ? null : new DnsProbe(dns.name, dns.port, DNS_PROBE_EVERY_MS, (sample, previous) => narrator.dns(dns.name, sample, previous));
  let result: MonitorResult | null = null;
  let dnsResult: DnsProbeResult | null = null;
  try {
    const names = [...input.actors, input.planner].map((actor) => actor.name).join(', ');
    await withProgress(narrator, `starting ${names} (each is its own process)`, async () => {
      await processes.start(input.actors);
      monitor.start();
      probe?.start();
      await processes.start([input.planner]);
    });
    const startedAt = Date.now();
    const endsAt = startedAt + schedule.runMs;
    narrator.say(Date.now(), `all actors ready; the planner proposes ${schedule.plans} plans, every ${schedule.planIntervalMs} ms; running ${schedule.runMs / 1000} s`);
    let nextProgressAt = startedAt + PROGRESS_EVERY_MS;
    while (Date.now() < endsAt) {
      const problem = processes.problem() ?? input.servicesProblem?.() ?? null;
      if (problem !== null) throw new Error(`the run cannot go on: ${problem}`);
      if (Date.now() >= nextProgressAt) {
        narrator.say(Date.now(), `… ${Math.round((Date.now() - startedAt) / 1000)} of ${schedule.runMs / 1000} s`);
        nextProgressAt += PROGRESS_EVERY_MS;
      }
      await sleep(Math.min(200, endsAt - Date.now()));
    }
    // The run's window ends here: what the backend served after it is not counted.
    result = await monitor.stop();
    dnsResult = (await probe?.stop()) ?? null;
  } finally {
    result ??= await monitor.stop();
    dnsResult ??= (await probe?.stop()) ?? null;
    await withProgress(narrator, 'stopping the actors', () => processes.stop());
  }
  return { monitor: result, reports, dns: dnsResult };
}

const PROGRESS_EVERY_MS = 5_000;

/** Says what is going on, and again every few seconds while it takes long (machines can be slow). */
async function withProgress<T>(narrator: Narrator, what: string, work: () => Promise<T>): Promise<T> {
  const startedAt = Date.now();
  narrator.say(startedAt, `${what} …`);
  const ticker = setInterval(() => narrator.say(Date.now(), `${what}: still going after ${Math.round((Date.now() - startedAt) / 1000)} s`), PROGRESS_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(ticker);
  }
}
