import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { loadConfig, type FabricConfig } from '@plan-fabric/config';
import { createPool, projectionRows } from '@plan-fabric/db';
import { Ed25519Verifier, type Authority } from '@plan-fabric/domain';
import { createKafka, ensureEndpointTopics, topicNames, type TopicNames } from '@plan-fabric/kafka';
import { auditEndpoint, compareProjection, type EndpointAudit, type LostCommand, type Violation } from './audit';
import { ChildService, type ServiceLogLine } from './child-service';
import { CHAOS_TRUST_ROOTS, CommandLoad, withTimeout } from './load';
import { readWholeTopic, type TopicContents } from './log-reader';
import { firstValue, Monitor, waitUntil } from './monitor';
import { freePorts, PrivateKafka, PrivatePostgres } from './private-stack';
import { quietLogger } from './quiet-logger';
import { FAULT_KINDS, FAULT_LABELS, type ChaosReport, type FaultKind, type FaultRecord } from './report';

export interface ChaosOptions {
  /** The repository root: services run from here, scripts/stack.sh starts the broker. */
  readonly repoRoot: string;
  /** CI size: every fault kind twice, short gaps. */
  readonly quick: boolean;
  /** Without --quick: inject faults for this long (at least two rounds of every kind). */
  readonly durationS: number;
  readonly endpoints: number;
  readonly seed?: number;
  /** Keep the run's directory (logs, data) even when it passed. */
  readonly keep?: boolean;
  /** Progress lines (stderr in the CLI). */
  readonly progress?: (line: string) => void;
}

/** Log lines of the fault hooks (apps/sequencer endpoint-sequencer.ts, apps/projector projector.service.ts). */
export const SEQUENCER_HOOK_LINE = 'fault hook: transaction open, pausing before commit';
export const PROJECTOR_HOOK_LINE = 'fault hook: rows written, pausing before COMMIT';
/** What a sequencer logs when a transaction of its fails (a fenced one included). */
const TRANSACTION_FAILED_LINE = 'transaction failed; restarting the worker from committed state';
/** How long the hooks hold a transaction open: the window a kill or a pause lands in. */
const HOOK_PAUSE_MS = 400;
/** The sequencer's consumer session timeout (DEFAULT_SEQUENCER_LIMITS.sessionTimeoutMs). */
const SEQUENCER_SESSION_TIMEOUT_MS = 10_000;
const SEQUENCERS = 2;

const SERVICE_ENTRIES = { sequencer: 'apps/sequencer/src/main.ts', projector: 'apps/projector/src/main.ts' } as const;
type ServiceKind = keyof typeof SERVICE_ENTRIES;

const BOUNDS = {
  serviceStartMs: 120_000,
  hookMs: 45_000,
  takeoverMs: 45_000,
  fencedMs: 20_000,
  recoveryMs: 90_000,
  warmUpMs: 120_000,
  drainMs: 150_000,
  readLogMs: 90_000,
  /** Whole run, as a last resort: faults stop being injected after this. */
  quickRunMs: 420_000,
} as const;

export interface ChaosHandle {
  readonly report: Promise<ChaosReport>;
  /** Stops everything the run started (children, broker, database) now; for Ctrl-C. */
  abort(): Promise<void>;
}

/** Starts a chaos run; `report` resolves when it has finished and cleaned up after itself. */
export function startChaos(options: ChaosOptions): ChaosHandle {
  const run = new ChaosRun(options);
  return { report: run.execute(), abort: () => run.abort() };
}

/** An injected fault: what was done, and how to wait until decisions and the projection move on again (ms; null: not in time). */
interface Injected {
  readonly detail: string;
  readonly decisions?: () => Promise<number | null>;
  readonly projection?: () => Promise<number | null>;
}

class LandedAfterCommit extends Error {}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

class ChaosRun {
  private readonly started = Date.now();
  private readonly seed: number;
  private readonly runId = Date.now().toString(36);
  private readonly endpointIds: string[];
  private readonly runDir: string;
  private readonly logsDir: string;
  private readonly quiet = quietLogger(40);
  private readonly faults: Record<FaultKind, number> = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
  private readonly faultLog: FaultRecord[] = [];
  private readonly problems: string[] = [];
  private readonly sequencers: (ChildService | null)[] = Array.from({ length: SEQUENCERS }, () => null);
  private readonly ready = new WeakMap<ChildService, Promise<void>>();
  private projector: ChildService | null = null;
  private spawned = 0;
  private fencedWrites = 0;
  private unplannedExits = 0;
  private stopping = false;
  private aborted = false;
  private tornDown: Promise<void> | null = null;

  private kafka: PrivateKafka | null = null;
  private postgres: PrivatePostgres | null = null;
  private config: FabricConfig | null = null;
  private names: TopicNames | null = null;
  private client: Kafka | null = null;
  private probeAdmin: Admin | null = null;
  private admin: Admin | null = null;
  private pool: Pool | null = null;
  private monitor: Monitor | null = null;
  private load: CommandLoad | null = null;
  private childEnv: NodeJS.ProcessEnv = {};
  private readonly exitHook = () => {
    this.kafka?.killNow();
    this.postgres?.killNow();
  };

  constructor(private readonly options: ChaosOptions) {
    this.seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    this.endpointIds = Array.from({ length: options.endpoints }, (_, index) => `chaos-${this.runId}-${index + 1}`);
    this.runDir = mkdtempSync(join(tmpdir(), 'fabric-chaos-'));
    // The postgres user (when we run as root) must reach its cluster directory inside.
    chmodSync(this.runDir, 0o755);
    this.logsDir = join(this.runDir, 'logs');
    mkdirSync(this.logsDir);
  }

  async execute(): Promise<ChaosReport> {
    process.on('exit', this.exitHook);
    let audits: EndpointAudit[] = [];
    let aborted = 0;
    const projectionProblems: Violation[] = [];
    try {
      await this.setUp();
      await this.startServices();
      await this.startLoad();
      await this.warmUp();
      await this.injectFaults();
      ({ audits, aborted } = await this.finish(projectionProblems));
    } catch (error) {
      this.problems.push(`the run stopped early: ${message(error)}`);
      this.say(`stopped early: ${message(error)}`);
      if (this.quiet.recent.length > 0) this.say(`last driver client messages:\n  ${this.quiet.recent.slice(-8).join('\n  ')}`);
    }
    const counts = this.load?.counts();
    const violations = [...audits.flatMap((audit) => audit.violations), ...projectionProblems];
    const violationCount = audits.reduce((sum, audit) => sum + audit.violationCount, 0) + projectionProblems.length;
    const lostDetails: LostCommand[] = audits.flatMap((audit) => audit.lost);
    this.faults['producer-retry'] = (counts?.resendsAfterAck ?? 0) + (counts?.resendsAfterError ?? 0);
    for (const kind of FAULT_KINDS) {
      if (this.faults[kind] < 2) this.problems.push(`fault '${FAULT_LABELS[kind]}' was injected ${this.faults[kind]} time(s); a valid run injects each at least twice`);
    }
    const failed = violationCount > 0 || lostDetails.length > 0 || this.problems.length > 0;
    await this.tearDown(failed);
    const outcomes = { accepted: 0, rejected: 0, duplicate: 0 };
    for (const audit of audits) {
      outcomes.accepted += audit.outcomes.accepted;
      outcomes.rejected += audit.outcomes.rejected;
      outcomes.duplicate += audit.outcomes.duplicate;
    }
    return {
      seed: this.seed,
      endpoints: this.endpointIds,
      durationMs: Date.now() - this.started,
      faults: { ...this.faults },
      faultLog: this.faultLog,
      commandsSent: counts?.acked ?? 0,
      uniqueCommands: counts?.uniqueCommands ?? 0,
      resendsAfterAck: counts?.resendsAfterAck ?? 0,
      resendsAfterError: counts?.resendsAfterError ?? 0,
      unacknowledged: counts?.gaveUp ?? 0,
      commandRecords: audits.reduce((sum, audit) => sum + audit.commandRecords, 0),
      outcomes,
      duplicatesAbsorbed: audits.reduce((sum, audit) => sum + audit.duplicatesAbsorbed, 0),
      abortedEventRecords: aborted,
      fencedWrites: this.fencedWrites,
      unplannedExits: this.unplannedExits,
      violations: violationCount,
      violationDetails: violations,
      lost: lostDetails.length,
      lostDetails,
      problems: [...this.problems],
      keptDir: failed || this.options.keep === true ? this.runDir : null,
    };
  }

  async abort(): Promise<void> {
    this.aborted = true;
    this.problems.push('interrupted');
    this.say('interrupted: stopping the services, the private Kafka and Postgres …');
    await this.tearDown(true);
    this.say(`stopped; the run directory is kept: ${this.runDir}`);
  }

  // ------------------------------------------------------------------ set-up

  private async setUp(): Promise<void> {
    const [kafkaPort, controllerPort, postgresPort] = (await freePorts(3)) as [number, number, number];
    this.postgres = new PrivatePostgres(join(this.runDir, 'postgres'), postgresPort);
    this.kafka = new PrivateKafka(this.options.repoRoot, join(this.runDir, 'kafka-home'), kafkaPort, controllerPort, this.postgres.url);
    this.say(`run directory ${this.runDir}; endpoints ${this.endpointIds.join(', ')}; seed ${this.seed}`);
    this.say(`starting a private Kafka on 127.0.0.1:${kafkaPort} (controller ${controllerPort}) and a private Postgres on 127.0.0.1:${postgresPort} …`);
    const cache = this.kafka.linkJarCache();
    const postgres = this.postgres;
    const kafka = this.kafka;
    await Promise.all([
      (async () => {
        await postgres.init();
        await postgres.start();
      })(),
      kafka.up(),
    ]);
    this.say(`private Kafka and Postgres are up (broker jars from ${cache})`);

    const env: NodeJS.ProcessEnv = {
      KAFKA_BROKERS: kafka.brokers,
      // The private broker's own principals and passwords (stack.sh wrote them into its PLAN_FABRIC_HOME).
      KAFKA_CREDENTIALS_FILE: kafka.credentialsFile(),
      DATABASE_URL: postgres.url,
      FABRIC_TOPIC_PREFIX: 'planfabric',
      FABRIC_REPLICATION_FACTOR: '1',
      FABRIC_MIN_INSYNC_REPLICAS: '1',
      FABRIC_ENDPOINTS: `^chaos-${this.runId}-`,
      // The load signs with the simulation identities: the sequencers trust their root, and the audit replays with it.
      FABRIC_TRUST_ROOTS: CHAOS_TRUST_ROOTS.join(','),
      LOG_LEVEL: 'info',
    };
    this.config = loadConfig(env);
    const inherited = { ...process.env };
    // Two sequencers of this run would both bind one metrics port; the run needs none.
    delete inherited['FABRIC_METRICS_PORT'];
    // Credentials meant for another broker must not reach the services of this one.
    for (const name of ['KAFKA_USERNAME', 'KAFKA_PASSWORD', 'KAFKA_PASSWORD_FILE']) delete inherited[name];
    this.childEnv = {
      ...inherited,
      ...env,
      FABRIC_FAULT_SEQUENCER_PAUSE_BEFORE_COMMIT_MS: String(HOOK_PAUSE_MS),
      FABRIC_FAULT_PROJECTOR_PAUSE_BEFORE_COMMIT_MS: String(HOOK_PAUSE_MS),
    };
    this.names = topicNames(this.config.topicPrefix);
    this.client = createKafka(this.config, 'chaos-driver', this.quiet, 'admin');
    this.probeAdmin = this.client.admin({ retry: { retries: 0 } });
    this.admin = this.client.admin();
    await Promise.all([this.probeAdmin.connect(), this.admin.connect()]);
    this.pool = createPool(this.config, this.quiet, { maxConnections: 4, connectionTimeoutMs: 2_000, statementTimeoutMs: 30_000 });
    this.monitor = new Monitor(this.probeAdmin, this.pool, this.names, this.config.topicPrefix);
    for (const endpointId of this.endpointIds) await ensureEndpointTopics(this.admin, this.config, endpointId);
  }

  private async startServices(): Promise<void> {
    this.say(`starting ${SEQUENCERS} sequencers and a projector (fault hooks hold each transaction ${HOOK_PAUSE_MS} ms before its commit) …`);
    for (let slot = 0; slot < SEQUENCERS; slot++) this.startSequencer(slot);
    this.startProjector();
    await this.allReady();
    this.say(`services ready: ${this.describeServices()}`);
  }

  private async startLoad(): Promise<void> {
    if (this.config === null) throw new Error('not set up');
    this.load = new CommandLoad(this.config, this.endpointIds, this.seed, this.quiet);
    this.say('registering the endpoints and starting the load (planner, 3 enactors, janitor, operator per endpoint) …');
    await this.load.start();
  }

  private async warmUp(): Promise<void> {
    const monitor = this.need(this.monitor);
    const took = await waitUntil(async () => {
      for (const endpointId of this.endpointIds) {
        if (((await monitor.decided(endpointId)) ?? 0) < 5 || ((await monitor.projected(endpointId)) ?? 0) < 5) return false;
      }
      return true;
    }, BOUNDS.warmUpMs);
    if (took === null) throw new Error(`the endpoints were not decided and projected within ${BOUNDS.warmUpMs / 1000} s of steady load; see the service logs in ${this.logsDir}`);
    this.say(`steady load flowing: every endpoint decided and projected (${this.load?.counts().acked ?? 0} commands acknowledged so far)`);
  }

  // ------------------------------------------------------------------ faults

  /**
   * The faults, one after another. The lane waits until decisions flow again after each; the projection
   * catching up is awaited in the background (a killed projector's partitions, and after a broker restart
   * every projector group, wait out the projector's 30 s session timeout), and all of it before the audit.
   * --quick puts both projector kills first and both restarts last, so those waits overlap the sequencer
   * faults; without it, rounds of every kind repeat until --duration-s.
   */
  private async injectFaults(): Promise<void> {
    const quick = this.options.quick;
    const gap = () => sleep(quick ? 1_000 : 2_000 + Math.floor(Math.random() * 4_000));
    const faultPhaseEnds = this.started + (quick ? BOUNDS.quickRunMs : this.options.durationS * 1_000 + BOUNDS.quickRunMs);
    const ticker = setInterval(() => void this.status(), 20_000);
    const background: Promise<void>[] = [];
    const run = async (kind: FaultKind, inject: () => Promise<Injected>) => {
      if (this.aborted || Date.now() > faultPhaseEnds) return;
      background.push((await this.fault(kind, inject)).projection);
      await gap();
    };
    const projectorKill = () => run('projector-kill', () => this.killProjector());
    const sequencerFaults = async () => {
      await run('sequencer-kill', () => this.killSequencer());
      await run('sequencer-pause', () => this.pauseSequencer());
    };
    const restarts = async (round: number) => {
      await run('broker-restart', () => this.restartBroker(round % 2 === 0 ? 'graceful' : 'kill -9'));
      await run('postgres-restart', () => this.restartPostgres(round % 2 === 0 ? 'fast' : 'immediate'));
    };
    try {
      if (quick) {
        for (let round = 0; round < 2; round++) {
          await projectorKill();
          await sequencerFaults();
        }
        for (let round = 0; round < 2; round++) await restarts(round);
      } else {
        for (let round = 0; round < 2 || (Date.now() - this.started < this.options.durationS * 1_000 && Date.now() < faultPhaseEnds && !this.aborted); round++) {
          await projectorKill();
          await sequencerFaults();
          await restarts(round);
        }
      }
      await Promise.all(background);
    } finally {
      clearInterval(ticker);
    }
  }

  /**
   * Injects one fault and waits until decisions flow again; returns the wait for the projection to catch
   * up again. A fault that could not be injected is a problem of the run, not a crash of it.
   */
  private async fault(kind: FaultKind, inject: () => Promise<Injected>): Promise<{ projection: Promise<void> }> {
    const atS = (Date.now() - this.started) / 1000;
    let injected: Injected;
    try {
      injected = await inject();
    } catch (error) {
      this.problems.push(`${FAULT_LABELS[kind]} at +${atS.toFixed(0)} s could not be injected: ${message(error)}`);
      this.say(`fault ${FAULT_LABELS[kind]} could not be injected: ${message(error)}`);
      return { projection: Promise.resolve() };
    }
    this.faults[kind]++;
    const name = `${FAULT_LABELS[kind]} #${this.faults[kind]}`;
    this.say(`fault ${name}: ${injected.detail}`);
    const report = (what: string, ms: number | null) =>
      this.say(
        `  ${name}: ` +
          (ms === null
            ? `${what} did NOT move on within ${BOUNDS.recoveryMs / 1000} s (not a failure by itself: the final audit decides; logs in ${this.logsDir})`
            : `${what} moved on again after ${(ms / 1000).toFixed(1)} s`),
      );
    const decisionsMs = injected.decisions === undefined ? 0 : await injected.decisions();
    if (injected.decisions !== undefined) report('decisions', decisionsMs);
    const projection = (injected.projection?.() ?? Promise.resolve(0)).then((projectionMs) => {
      if (injected.projection !== undefined) report('the projection', projectionMs);
      const recoveredInMs = decisionsMs === null || projectionMs === null ? null : Math.max(decisionsMs, projectionMs);
      this.faultLog.push({ kind, atS, detail: injected.detail, recoveredInMs });
    });
    return { projection };
  }

  /** kill -9 a sequencer while its transaction is open (the hook holds it before commit), then start a new one. */
  private async killSequencer(): Promise<Injected> {
    const { service, line } = await this.nextHook(this.liveSequencers(), SEQUENCER_HOOK_LINE, BOUNDS.hookMs);
    await service.kill();
    const endpointId = String(line.fields['endpointId']);
    const slot = this.sequencers.indexOf(service);
    const replacement = this.startSequencer(slot);
    const monitor = this.need(this.monitor);
    const baseline = await firstValue(() => monitor.decided(endpointId), 10_000);
    return {
      detail: `${service.name} (pid ${service.pid}) killed with the transaction of ${String(line.fields['events'])} events of ${endpointId} open (command offsets up to ${String(line.fields['lastCommandOffset'])}); ${replacement.name} started in its place`,
      // Decisions go on only once another sequencer took the partition over (after the dead one's session timed out).
      decisions: () => waitUntil(async () => ((await monitor.decided(endpointId)) ?? -1) > (baseline ?? Number.MAX_SAFE_INTEGER), BOUNDS.recoveryMs),
    };
  }

  /**
   * SIGSTOP a sequencer while its transaction is open, past its session timeout,
   * until another sequencer has taken the endpoint over (its own transaction is
   * open, so it initialized the transactional id and fenced the paused one);
   * then SIGCONT: the resumed sequencer's commit must be refused.
   */
  private async pauseSequencer(): Promise<Injected> {
    // The standby must be up before one is paused.
    await Promise.allSettled(this.liveSequencers().map((service) => this.ready.get(service)));
    const { service: paused, line } = await this.nextHook(this.liveSequencers(), SEQUENCER_HOOK_LINE, BOUNDS.hookMs);
    paused.signal('SIGSTOP');
    const stoppedAt = Date.now();
    const endpointId = String(line.fields['endpointId']);
    const fenced = paused.waitForLine(
      'that its transaction failed',
      (entry) => entry.msg === TRANSACTION_FAILED_LINE && entry.fields['endpointId'] === endpointId,
      BOUNDS.takeoverMs + BOUNDS.fencedMs,
    );
    fenced.catch(() => undefined);
    let takeover: { service: ChildService };
    try {
      const others = this.liveSequencers().filter((service) => service !== paused);
      takeover = await this.nextHook(others, SEQUENCER_HOOK_LINE, BOUNDS.takeoverMs, (entry) => entry.fields['endpointId'] === endpointId);
      // Past the session timeout by construction (the group gave the partition away); hold a little longer.
      await sleep(Math.max(1_000, SEQUENCER_SESSION_TIMEOUT_MS + 1_000 - (Date.now() - stoppedAt)));
    } finally {
      paused.signal('SIGCONT');
    }
    const pausedMs = Date.now() - stoppedAt;
    let fencedDetail: string;
    try {
      const failed = await fenced;
      this.fencedWrites++;
      fencedDetail = `on resume its commit was refused (${String(failed.fields['error']).slice(0, 140)})`;
    } catch {
      fencedDetail = 'on resume it reported no failed transaction';
    }
    return {
      detail: `${paused.name} (pid ${paused.pid}) paused ${(pausedMs / 1000).toFixed(1)} s with a transaction of ${endpointId} open; ${takeover.service.name} took over; ${fencedDetail}`,
    };
  }

  private async restartBroker(mode: 'graceful' | 'kill -9'): Promise<Injected> {
    const kafka = this.need(this.kafka);
    // Services started by an earlier fault are up first: a service cannot start while the broker is down.
    await this.allReady();
    const stoppedAt = Date.now();
    if (mode === 'graceful') await kafka.down();
    else await kafka.crash();
    kafka.keepLog(join(this.logsDir, `kafka-until-restart-${this.faults['broker-restart'] + 1}.log`));
    const stopMs = Date.now() - stoppedAt;
    const startedAt = Date.now();
    await kafka.up();
    const downMs = Date.now() - stoppedAt;
    return {
      detail:
        `${mode === 'graceful' ? 'stopped (SIGTERM)' : 'killed (SIGKILL)'} in ${(stopMs / 1000).toFixed(1)} s, serving again ${((Date.now() - startedAt) / 1000).toFixed(1)} s after its start; ` +
        `unavailable ${(downMs / 1000).toFixed(1)} s`,
      decisions: () => this.progressEverywhere('decided'),
      projection: () => this.progressEverywhere('projected'),
    };
  }

  /** kill -9 the projector between its inserts and its COMMIT (the hook holds the transaction), then start a new one. */
  private async killProjector(): Promise<Injected> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.killProjectorOnce();
      } catch (error) {
        if (!(error instanceof LandedAfterCommit) || attempt >= 3) throw error;
        this.say(`${message(error)}; trying again`);
      }
    }
  }

  private async killProjectorOnce(): Promise<Injected> {
    const projector = this.projector;
    if (projector === null) throw new Error('no projector running');
    await this.ready.get(projector);
    const { line } = await this.nextHook([projector], PROJECTOR_HOOK_LINE, BOUNDS.hookMs);
    await projector.kill();
    const topic = String(line.fields['topic']);
    const nextOffset = Number(line.fields['nextOffset']);
    const endpointId = this.need(this.names).endpointOfEvents(topic) ?? '?';
    const monitor = this.need(this.monitor);
    const stored = await firstValue(() => monitor.projected(endpointId), 10_000);
    const replacement = this.startProjector();
    if (stored !== null && stored >= nextOffset) {
      throw new LandedAfterCommit(`the kill of ${projector.name} landed after COMMIT (stored offset ${stored} ≥ ${nextOffset})`);
    }
    return {
      detail: `${projector.name} (pid ${projector.pid}) killed with rows of ${endpointId} up to events offset ${nextOffset - 1} written, not committed (stored offset stayed ${stored ?? '?'}); ${replacement.name} started in its place`,
      // The new projector gets the partition once the dead one's session timed out.
      projection: () => waitUntil(async () => ((await monitor.projected(endpointId)) ?? -1) >= nextOffset, BOUNDS.recoveryMs),
    };
  }

  private async restartPostgres(mode: 'fast' | 'immediate'): Promise<Injected> {
    const started = Date.now();
    await this.need(this.postgres).restart(mode);
    const tookMs = Date.now() - started;
    return {
      detail: `pg_ctl restart -m ${mode}${mode === 'immediate' ? ' (a crash: recovery on start)' : ''}, took ${(tookMs / 1000).toFixed(1)} s`,
      projection: () => this.progressEverywhere('projected'),
    };
  }

  /** Waits until every endpoint moved on (decisions and/or projection) from where it stands now. */
  private async progressEverywhere(what: 'decided' | 'projected'): Promise<number | null> {
    const monitor = this.need(this.monitor);
    const started = Date.now();
    const checks = await Promise.all(
      this.endpointIds.map(async (endpointId) => {
        const read = () => (what === 'decided' ? monitor.decided(endpointId) : monitor.projected(endpointId));
        const baseline = await firstValue(read, BOUNDS.recoveryMs);
        if (baseline === null) return null;
        return waitUntil(async () => ((await read()) ?? -1) > baseline, BOUNDS.recoveryMs);
      }),
    );
    return checks.some((took) => took === null) ? null : Date.now() - started;
  }

  /** The next hook line from any of `services` (optionally matching `filter`). */
  private nextHook(
    services: readonly ChildService[],
    hookLine: string,
    timeoutMs: number,
    filter: (line: ServiceLogLine) => boolean = () => true,
  ): Promise<{ service: ChildService; line: ServiceLogLine }> {
    return new Promise((resolve, reject) => {
      const forgets: (() => void)[] = [];
      const finish = (result: { service: ChildService; line: ServiceLogLine } | Error) => {
        clearTimeout(timer);
        for (const forget of forgets) forget();
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      const timer = setTimeout(
        () => finish(new Error(`no '${hookLine}' from ${services.map((service) => service.name).join(', ') || 'any service'} within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      for (const service of services) {
        forgets.push(
          service.onLine((line) => {
            if (line.msg === hookLine && !service.paused && service.running && filter(line)) finish({ service, line });
          }),
        );
      }
    });
  }

  private async status(): Promise<void> {
    const monitor = this.monitor;
    if (monitor === null || this.load === null) return;
    const parts: string[] = [];
    for (const endpointId of this.endpointIds) {
      const [decided, end, projected] = await Promise.all([monitor.decided(endpointId), monitor.commandsEnd(endpointId), monitor.projected(endpointId)]);
      parts.push(`${endpointId.split('-').at(-1)}: decided ${decided ?? '?'}/${end ?? '?'} projected ${projected ?? '?'}`);
    }
    this.say(`status: ${this.load.counts().acked} sends acknowledged; ${parts.join('; ')}`);
  }

  // ------------------------------------------------------------------ the end

  private async finish(projectionProblems: Violation[]): Promise<{ audits: EndpointAudit[]; aborted: number }> {
    const monitor = this.need(this.monitor);
    const load = this.need(this.load);
    this.say('stopping the load …');
    await load.stop();
    for (const service of this.liveSequencers()) if (service.paused) service.signal('SIGCONT');
    this.say(`load stopped: ${load.counts().acked} sends acknowledged; waiting for the sequencers to decide every command record …`);
    for (const endpointId of this.endpointIds) {
      const drained = await waitUntil(async () => {
        const [decided, end] = await Promise.all([monitor.decided(endpointId), monitor.commandsEnd(endpointId)]);
        return decided !== null && end !== null && decided >= end;
      }, BOUNDS.drainMs, 500);
      if (drained === null) this.problems.push(`${endpointId}: the sequencers did not decide every command record within ${BOUNDS.drainMs / 1000} s`);
    }
    // No writer left: the logs are final, and no transaction may stay open.
    this.stopping = true;
    await Promise.all(this.liveSequencers().map((service) => service.stop()));
    this.say('sequencers stopped; reading both logs of every endpoint back from Kafka …');

    const admin = this.need(this.admin);
    const client = this.need(this.client);
    const names = this.need(this.names);
    const read = (topic: string, readUncommitted = false): Promise<TopicContents> =>
      readWholeTopic(client, admin, topic, { readUncommitted, timeoutMs: BOUNDS.readLogMs });
    const audits: EndpointAudit[] = [];
    let aborted = 0;
    for (const endpointId of this.endpointIds) {
      const [commands, events, everything] = await Promise.all([
        read(names.commands(endpointId)),
        read(names.events(endpointId)),
        read(names.events(endpointId), true),
      ]);
      aborted += everything.records.length - events.records.length;
      if (events.end < everything.end) {
        this.problems.push(
          `${endpointId}: the events log's last stable offset ${events.end} is below its high watermark ${everything.end} with every sequencer stopped — a hanging transaction (kafka-transactions.sh --find-hanging)`,
        );
      }
      const audit = auditEndpoint(endpointId, commands.records, events.records, load.sent(), this.authority());
      audits.push(audit);
      this.say(
        `${endpointId}: ${audit.commandRecords} command records, ${audit.events} events (${audit.outcomes.accepted} accepted, ${audit.outcomes.rejected} rejected, ${audit.outcomes.duplicate} duplicate), ` +
          `${audit.violationCount} violations, ${audit.lost.length} lost`,
      );
    }

    this.say('waiting for the projector to catch up, then comparing the projection with the fold of the events …');
    const pool = this.need(this.pool);
    for (const audit of audits) {
      const caughtUp = await waitUntil(async () => ((await monitor.projected(audit.endpointId)) ?? -1) >= audit.nextEventOffset, BOUNDS.drainMs, 500);
      if (caughtUp === null) this.problems.push(`${audit.endpointId}: the projector did not reach events offset ${audit.nextEventOffset} within ${BOUNDS.drainMs / 1000} s`);
      if (audit.folded === null) continue;
      const difference = compareProjection(await projectionRows(pool, audit.endpointId), audit.folded);
      if (difference !== null) projectionProblems.push({ endpointId: audit.endpointId, check: 'projection equals the fold of the events', detail: difference });
    }
    if (this.projector !== null) await this.projector.stop();
    return { audits, aborted };
  }

  private tearDown(failed: boolean): Promise<void> {
    this.tornDown ??= (async () => {
      this.stopping = true;
      await withTimeout(this.load?.stop() ?? Promise.resolve(), 30_000).catch(() => undefined);
      await Promise.all([...this.liveSequencers(), this.projector].map((service) => service?.stop(5_000)));
      await withTimeout(Promise.all([this.probeAdmin?.disconnect(), this.admin?.disconnect(), this.pool?.end()]), 10_000).catch(() => undefined);
      this.kafka?.keepLog(join(this.logsDir, 'kafka.log'));
      this.say('stopping the private Kafka and Postgres …');
      await this.kafka?.down().catch((error: unknown) => {
        this.say(`stopping the private Kafka failed (${message(error)}); killing it`);
        this.kafka?.killNow();
      });
      await this.postgres?.stop().catch((error: unknown) => {
        this.say(`stopping the private Postgres failed (${message(error)}); killing it`);
        this.postgres?.killNow();
      });
      process.removeListener('exit', this.exitHook);
      if (!failed && this.options.keep !== true) rmSync(this.runDir, { recursive: true, force: true });
    })();
    return this.tornDown;
  }

  // ------------------------------------------------------------------ services

  private startSequencer(slot: number): ChildService {
    const service = this.spawn('sequencer');
    this.sequencers[slot] = service;
    return service;
  }

  private startProjector(): ChildService {
    const service = this.spawn('projector');
    this.projector = service;
    return service;
  }

  private spawn(kind: ServiceKind): ChildService {
    const name = `${kind}-${++this.spawned}`;
    const service = new ChildService(name, SERVICE_ENTRIES[kind], { cwd: this.options.repoRoot, env: this.childEnv, logFile: join(this.logsDir, `${name}.log`) });
    const ready = service.waitForLine(`'${kind} started'`, (line) => line.msg === `${kind} started`, BOUNDS.serviceStartMs).then(() => undefined);
    ready.catch(() => undefined);
    this.ready.set(service, ready);
    void service.exited.then(({ code, signal }) => this.onExit(kind, service, code, signal));
    return service;
  }

  /** A crash the run did not cause: note it and start the service again (crash-only), as a supervisor would. */
  private onExit(kind: ServiceKind, service: ChildService, code: number | null, signal: NodeJS.Signals | null): void {
    if (service.planned || this.stopping) return;
    this.unplannedExits++;
    this.say(`${service.name} (pid ${service.pid}) exited on its own (code ${String(code)}, signal ${String(signal)}); starting another — see ${join(this.logsDir, `${service.name}.log`)}`);
    if (this.unplannedExits > 20) {
      this.problems.push('more than 20 unplanned service exits; stopped restarting them');
      return;
    }
    setTimeout(() => {
      if (this.stopping) return;
      if (kind === 'projector') {
        if (this.projector === service) this.startProjector();
      } else {
        const slot = this.sequencers.indexOf(service);
        if (slot >= 0) this.startSequencer(slot);
      }
    }, 1_000);
  }

  /** Every running service has logged that it started (bounded by the start wait). */
  private async allReady(): Promise<void> {
    await Promise.allSettled([...this.liveSequencers(), this.projector].map((service) => (service === null ? undefined : this.ready.get(service))));
  }

  private liveSequencers(): ChildService[] {
    return this.sequencers.filter((service): service is ChildService => service !== null && service.running);
  }

  private describeServices(): string {
    return [...this.liveSequencers(), this.projector]
      .filter((service): service is ChildService => service !== null)
      .map((service) => `${service.name} pid ${service.pid}`)
      .join(', ');
  }

  private need<T>(value: T | null): T {
    if (value === null) throw new Error('the run is not set up');
    return value;
  }

  /** The authority the run's sequencers decide with: the trust roots their environment names (FABRIC_TRUST_ROOTS). */
  private authority(): Authority {
    return { trustRoots: new Set(this.config?.trustRoots ?? CHAOS_TRUST_ROOTS), verifier: new Ed25519Verifier() };
  }

  private say(line: string): void {
    this.options.progress?.(`chaos +${((Date.now() - this.started) / 1000).toFixed(1).padStart(5)}s  ${line}`);
  }
}
