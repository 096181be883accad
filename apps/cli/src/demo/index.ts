import { spawnSync } from 'node:child_process';
import { createLogger, loadConfig, type FabricConfig } from '@plan-fabric/config';
import { ensureNaiveSchema } from '@plan-fabric/actors';
import { createPool, migrate } from '@plan-fabric/db';
import type { Actor } from '@plan-fabric/domain';
import { KeyStore, KeyStoreSigner } from '@plan-fabric/identity';
import { CommandPublisher, createKafka } from '@plan-fabric/kafka';
import { REPO_ROOT } from '../repo-root';
import { kafkaProblem, postgresProblem } from '../services/preflight';
import { ServiceProcesses } from '../services/service-processes';
import { checksText, comparisonTable } from './demo-table';
import { DEFAULT_SCHEDULE, QUICK_SCHEDULE, type DemoSchedule } from './demo-schedule';
import { DEMO_DNS_ZONES, DnsFaceProcess, digTranscript } from './dns-face-process';
import { EventLogObserver } from './event-log-observer';
import { runFabric } from './fabric-run';
import { Narrator } from './narration';
import { runNaive } from './naive-run';
import type { AuditCheck, RunResult } from './run-results';

export { DEFAULT_SCHEDULE, QUICK_SCHEDULE, type DemoSchedule } from './demo-schedule';
export type { AuditCheck, RunResult } from './run-results';

export interface DemoOptions {
  /** The shorter schedule (QUICK_SCHEDULE), for tests. */
  readonly quick?: boolean;
  /** Overrides of the schedule's timing. */
  readonly schedule?: Partial<DemoSchedule>;
  /** Narrate every claim, write and outcome, not just the moments of the race. */
  readonly verbose?: boolean;
  /** Where the report goes (stdout by default). */
  readonly write?: (text: string) => void;
  /** Environment of the demo and its child processes (process.env by default). */
  readonly env?: NodeJS.ProcessEnv;
  /** Start the sequencer and projector as child processes (default); false when they already run. */
  readonly startServices?: boolean;
}

export interface DemoResult {
  readonly endpointId: string;
  readonly naive: RunResult;
  readonly fabric: RunResult;
  readonly checks: readonly AuditCheck[];
  /** Why the staging did not show the incident (the naive run kept its records); empty when it did. */
  readonly stagingProblems: readonly string[];
  readonly exitCode: number;
}

/** Longest wait for the sequencer to decide the endpoint's registration. */
const REGISTRATION_WAIT_MS = 60_000;

/**
 * `npm run demo`: stages the incident's race twice with real processes and
 * real timing — through a naive control plane, then through the fabric — and
 * prints them side by side. Exit code 1 if the fabric broke an invariant, or
 * if the naive run did not lose its records (then the staging is wrong);
 * 0 otherwise.
 */
export async function runDemo(options: DemoOptions = {}): Promise<number> {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  try {
    return (await runDemoDetailed(options)).exitCode;
  } catch (error) {
    write(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

export async function runDemoDetailed(options: DemoOptions = {}): Promise<DemoResult> {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const env = options.env ?? process.env;
  const schedule: DemoSchedule = { ...(options.quick === true ? QUICK_SCHEDULE : DEFAULT_SCHEDULE), ...options.schedule };
  const config = loadConfig(env);
  const logger = createLogger('demo', config.logLevel);
  const endpointId = `demo-${Date.now().toString(36)}`;
  const say = (line: string) => write(`${line}\n`);

  say(`Plan Fabric demo — the incident's race, staged twice on endpoint ${endpointId}`);
  say(describeSchedule(schedule));
  await ensureKafka(config, say);
  const pool = createPool(config, logger, { applicationName: 'plan-fabric-demo', maxConnections: 4 });
  let services: ServiceProcesses | null = null;
  let publisher: CommandPublisher | null = null;
  // Before the sequencer starts: it trusts the key directory's root. The actors' keys are made here too,
  // so the registration can name them; each actor process reads its own.
  const keys = new KeyStore(config.keysDir);
  keys.init();
  let observer: EventLogObserver | null = null;
  let dnsFaces: { naive: DnsFaceProcess; dns: DnsFaceProcess } | null = null;
  try {
    const postgres = await postgresProblem(pool, config);
    if (postgres !== null) throw new Error(postgres);
    await migrate(pool, logger);
    await ensureNaiveSchema(pool);
    if (options.startServices !== false) {
      say('starting the sequencer and the projector …');
      services = await ServiceProcesses.start({ echo: false, env });
      say(`  ${services.describe()}`);
    }
    dnsFaces = await startDnsFaces(env, say);
    const kafka = createKafka(config, 'plan-fabric-demo', logger, 'operator');
    publisher = new CommandPublisher(kafka, config);
    await publisher.connect();
    await publisher.ensureEndpoint(endpointId);
    // The demo re-checks its run from the logs: the command log is read as the audit principal.
    observer = new EventLogObserver(kafka, config, endpointId, logger, undefined, createKafka(config, 'plan-fabric-demo-audit', logger, 'audit'));
    await observer.start();
    await register(publisher, new KeyStoreSigner(keys), observer, endpointId, schedule, say);

    say('\n1. the naive control plane: each actor writes the backend directly, after a check made when it started');
    const naiveDns = dnsFaces === null ? null : { port: dnsFaces.naive.port, name: dnsFaces.naive.nameOf(endpointId) };
    const naive = await runNaive(pool, endpointId, schedule, env, new Narrator('naive ', write, options.verbose === true), naiveDns);
    await showDig(naiveDns, say);

    say('\n2. the plan fabric: the same actors and timing, through the sequencer, with fenced backend writes');
    const servicesProblem = () => services?.problem() ?? null;
    const fabricDns = dnsFaces === null ? null : { port: dnsFaces.dns.port, name: dnsFaces.dns.nameOf(endpointId) };
    const { result: fabric, checks } = await runFabric(
      pool,
      endpointId,
      schedule,
      env,
      new Narrator('fabric', write, options.verbose === true),
      observer,
      servicesProblem,
      fabricDns,
    );
    await showDig(fabricDns, say);

    const stagingProblems = stagingProblemsOf(naive);
    const fabricBroken = checks.some((check) => !check.ok);
    say(`\nResults (endpoint ${endpointId}, same schedule for both runs)\n`);
    say(comparisonTable(naive, fabric));
    say('\nInvariants of the fabric run, re-checked from the command and event logs, the projection and dns.write_log:');
    say(checksText(checks));
    if (naive.dns != null && fabric.dns != null) {
      say(
        `\nThrough DNS (${naive.dns.name} and ${fabric.dns.name}, asked every 100 ms): once the endpoint was live, ` +
          `the naive plane answered ${naive.dns.emptyAfterLive} times with no records; the fabric ${fabric.dns.emptyAfterLive} times.`,
      );
    }
    for (const problem of stagingProblems) say(`\nSTAGING WRONG: ${problem}`);
    say(
      fabricBroken
        ? '\nFAIL: the fabric broke an invariant (above). Keep the logs: this is a defect.'
        : stagingProblems.length > 0
          ? '\nFAIL: the naive run did not lose its records, so this staging proves nothing; adjust the schedule.'
          : `\nThe naive plane lost the endpoint for ${naive.monitor.emptyMs.toLocaleString('en-US')} ms and could not recover; the fabric kept it serving throughout.`,
    );
    return { endpointId, naive, fabric, checks, stagingProblems, exitCode: fabricBroken || stagingProblems.length > 0 ? 1 : 0 };
  } finally {
    await observer?.stop().catch((error: unknown) => logger.warn('stopping the event observer failed', { error }));
    await publisher?.disconnect().catch((error: unknown) => logger.warn('closing the command producer failed', { error }));
    await services?.stop();
    await Promise.all([dnsFaces?.naive.stop(), dnsFaces?.dns.stop()]);
    await pool.end();
  }
}

function describeSchedule(schedule: DemoSchedule): string {
  const paces = schedule.enactors
    .map((pace) =>
      pace.stallMs > 0
        ? `${pace.id} stalls ${pace.stallMs} ms after its first claim`
        : `${pace.id} claims after ${pace.claimDelayMs} ms${pace.applyMs > 0 ? `, writes in ${pace.applyMs} ms` : ''}`,
    )
    .join('; ');
  return (
    `schedule: planner ${schedule.plans} plans every ${schedule.planIntervalMs} ms; ${paces}; ` +
    `janitor every ${schedule.janitorIntervalMs} ms keeping ${schedule.keep} fallback${schedule.keep === 1 ? '' : 's'}; ` +
    `each run ${schedule.runMs / 1000} s`
  );
}

/** Starts the local stack when Kafka does not answer (scripts/stack.sh up), or says what to do. */
async function ensureKafka(config: FabricConfig, say: (line: string) => void): Promise<void> {
  if ((await kafkaProblem(config)) === null) return;
  say('Kafka does not answer: bringing the local stack up (bash scripts/stack.sh up) …');
  const up = spawnSync('bash', ['scripts/stack.sh', 'up'], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: process.env });
  const problem = await kafkaProblem(config);
  if (up.status !== 0 || problem !== null) {
    throw new Error(problem ?? `bash scripts/stack.sh up exited with ${String(up.status)} (see the stack: lines above)`);
  }
}

async function register(
  publisher: CommandPublisher,
  signer: KeyStoreSigner,
  observer: EventLogObserver,
  endpointId: string,
  schedule: DemoSchedule,
  say: (line: string) => void,
): Promise<void> {
  const enactors = schedule.enactors.map((pace) => pace.id);
  // The actor ids fabricActors starts; their keys are registered with the endpoint in the same command.
  const actors: Actor[] = [{ role: 'planner', id: 'planner' }, { role: 'janitor', id: 'janitor' }, ...enactors.map((id): Actor => ({ role: 'enactor', id }))];
  const keys = actors.map((actor) => ({ actor, publicKey: signer.keyOf(actor).publicKey }));
  await publisher.publish(
    signer.sign({
      commandId: `operator:register:${endpointId}`,
      endpointId,
      actor: { role: 'operator', id: 'demo-operator' },
      type: 'RegisterEndpoint',
      payload: { enactors, quorum: schedule.quorum, minValidPlans: schedule.minValidPlans, maxCapacityDropPercent: 50, keys },
    }),
  );
  await observer.waitUntil((state) => state.nextSeq > 1, REGISTRATION_WAIT_MS, 'the sequencer to decide the registration (is it running?)');
  const first = observer.events[0];
  if (first?.type !== 'EndpointRegistered') {
    throw new Error(`registering ${endpointId} was not accepted: ${first?.type === 'CommandRejected' ? first.data.reason : first?.type}`);
  }
  say(
    `registered ${endpointId}: enactors ${enactors.join(', ')}, quorum ${schedule.quorum}, minValidPlans ${schedule.minValidPlans}; ` +
      `${keys.length} actor keys (signed by the root in ${signer.describe()})`,
  );
}

/**
 * One DNS face per backend, each its own zone and process, so a client's
 * question names the control plane it asks (`<endpoint>.naive.internal` or
 * `<endpoint>.fabric.internal`) and each face is exactly what `fabric dns`
 * runs. Free ports, so a `fabric dns` already running is never in the way. A
 * face that cannot start costs the demo its DNS lines, not the run.
 */
async function startDnsFaces(env: NodeJS.ProcessEnv, say: (line: string) => void): Promise<{ naive: DnsFaceProcess; dns: DnsFaceProcess } | null> {
  say('starting the DNS faces (apps/dns: authoritative DNS on loopback, answering from each backend) …');
  const started = await Promise.allSettled([
    DnsFaceProcess.start({ backend: 'naive', zone: DEMO_DNS_ZONES.naive, port: 0 }, env),
    DnsFaceProcess.start({ backend: 'dns', zone: DEMO_DNS_ZONES.dns, port: 0 }, env),
  ]);
  const [naive, dns] = started;
  if (naive.status === 'fulfilled' && dns.status === 'fulfilled') {
    say(`  naive: ${naive.value.describe()}`);
    say(`  fabric: ${dns.value.describe()}`);
    return { naive: naive.value, dns: dns.value };
  }
  for (const face of started) if (face.status === 'fulfilled') await face.value.stop();
  const reason = started.flatMap((face) => (face.status === 'rejected' ? [String(face.reason instanceof Error ? face.reason.message : face.reason)] : []));
  say(`  the DNS faces could not start, so this demo shows no DNS answers: ${reason.join('; ')}`);
  return null;
}

/** A real `dig` against the run's DNS face once the run is over: what a client resolves now. */
async function showDig(dns: { port: number; name: string } | null, say: (line: string) => void): Promise<void> {
  if (dns === null) return;
  const transcript = await digTranscript(dns.port, dns.name);
  if (transcript === null) {
    say(`
  (install dig — apt-get install bind9-dnsutils — to see: dig @127.0.0.1 -p ${dns.port} ${dns.name} A)`);
    return;
  }
  say(`
  $ ${transcript.command}`);
  for (const line of transcript.lines) say(`  ${line}`);
}

/** The naive run must really lose the records; otherwise the comparison shows nothing. */
function stagingProblemsOf(naive: RunResult): string[] {
  const problems: string[] = [];
  if (naive.monitor.firstLiveAtMs === null) problems.push('the naive run never served a plan');
  else if (naive.monitor.emptyMs === 0) problems.push('the naive run never served an empty record set');
  if (naive.finalRecords > 0) problems.push(`the naive run ended serving gen ${naive.finalGeneration} with ${naive.finalRecords} records`);
  return problems;
}
