import { forEachLine } from '@plan-fabric/config';
import { spawn, type ChildProcess } from 'node:child_process';
import { parseActivityLine, type ActivityReport } from '@plan-fabric/actors';
import { onInterrupt } from '../cli/interrupts';
import { REPO_ROOT } from '../repo-root';

/** One actor process of a run: `node --import tsx <entry> <args>`. */
export interface ActorSpec {
  readonly name: string;
  readonly entry: string;
  readonly args: readonly string[];
}

export interface ActorProcessLimits {
  /** How long an actor may take to report `ready`. */
  readonly readyWaitMs: number;
  /** After SIGTERM, how long before SIGKILL. */
  readonly stopWaitMs: number;
  /** stderr lines kept per actor, for error reports. */
  readonly logTailLines: number;
}

export const ACTOR_PROCESS_LIMITS: ActorProcessLimits = { readyWaitMs: 60_000, stopWaitMs: 10_000, logTailLines: 30 };

interface Running {
  readonly spec: ActorSpec;
  readonly child: ChildProcess;
  readonly tail: string[];
  exit: string | null;
  ready: boolean;
}

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * The actor processes of one demo run. Each prints what it does as JSON lines
 * on stdout (libs/actors reporter), handed to `onActivity`; its stderr logs are
 * kept for error reports. Children left when this process exits are killed.
 */
export class ActorProcesses {
  private readonly running: Running[] = [];
  private stopping = false;
  private readonly forgetInterrupt = onInterrupt(() => this.stop());

  constructor(
    private readonly onActivity: (report: ActivityReport) => void,
    private readonly env: NodeJS.ProcessEnv,
    private readonly limits: ActorProcessLimits = ACTOR_PROCESS_LIMITS,
  ) {
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', () => {
        for (const child of liveChildren) child.kill('SIGKILL');
      });
    }
  }

  /** Starts the actors and resolves when every one of them reported `ready`. */
  async start(specs: readonly ActorSpec[]): Promise<void> {
    await Promise.all(specs.map((spec) => this.spawn(spec)));
  }

  /** An actor that exited while it should be running, with its last log lines; null when all run. */
  problem(): string | null {
    if (this.stopping) return null;
    const dead = this.running.find((actor) => actor.exit !== null);
    return dead === undefined ? null : this.describeExit(dead);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.forgetInterrupt();
    await Promise.all(this.running.map((actor) => this.stopOne(actor)));
  }

  private spawn(spec: ActorSpec): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', spec.entry, ...spec.args], {
      cwd: REPO_ROOT,
      env: { ...this.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    liveChildren.add(child);
    const actor: Running = { spec, child, tail: [], exit: null, ready: false };
    this.running.push(actor);
    return new Promise<void>((resolveReady, rejectReady) => {
      const timer = setTimeout(
        () => rejectReady(new Error(`${spec.name} did not report ready within ${this.limits.readyWaitMs / 1000} s; its last lines:\n${this.tailText(actor)}`)),
        this.limits.readyWaitMs,
      );
      forEachLine(child.stdout, (line) => {
        const report = parseActivityLine(line);
        if (report === null) {
          this.keep(actor, line);
          return;
        }
        if (report.activity === 'ready' && !actor.ready) {
          actor.ready = true;
          clearTimeout(timer);
          resolveReady();
        }
        this.onActivity(report);
      });
      forEachLine(child.stderr, (line) => this.keep(actor, line));
      child.once('error', (error) => {
        actor.exit = `could not be started: ${error.message}`;
        clearTimeout(timer);
        rejectReady(new Error(`${spec.name} could not be started: ${error.message}`));
      });
      child.once('exit', (code, signal) => {
        liveChildren.delete(child);
        actor.exit = signal !== null ? `was killed by ${signal}` : `exited with code ${String(code)}`;
        if (!actor.ready) {
          clearTimeout(timer);
          rejectReady(new Error(this.describeExit(actor)));
        }
      });
    });
  }

  private keep(actor: Running, line: string): void {
    actor.tail.push(line);
    if (actor.tail.length > this.limits.logTailLines) actor.tail.shift();
  }

  private async stopOne(actor: Running): Promise<void> {
    const { child } = actor;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), this.limits.stopWaitMs);
    await exited;
    clearTimeout(timer);
  }

  private describeExit(actor: Running): string {
    return `${actor.spec.name} (pid ${actor.child.pid ?? '?'}) ${actor.exit ?? 'exited'}; its last lines:\n${this.tailText(actor)}`;
  }

  private tailText(actor: Running): string {
    return actor.tail.length === 0 ? '    (no output)' : actor.tail.map((line) => `    ${line}`).join('\n');
  }
}
