import { forEachLine, loadConfig } from '@plan-fabric/config';
import { KeyStore } from '@plan-fabric/identity';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { onInterrupt } from '../cli/interrupts';
import { REPO_ROOT } from '../repo-root';

/** The long-running services the scenario runner needs, each started as `tsx <entry>`. */
export const FABRIC_SERVICES = [
  { name: 'sequencer', entry: 'apps/sequencer/src/main.ts' },
  { name: 'projector', entry: 'apps/projector/src/main.ts' },
] as const;

export interface ServiceLimits {
  /** How long a service may take to log `<name> started`. */
  readonly startWaitMs: number;
  /** After SIGTERM, how long before SIGKILL. */
  readonly stopWaitMs: number;
  /** Log lines kept per service, to show when something goes wrong. */
  readonly logTailLines: number;
}

// Generous start: each service starts a worker for every endpoint topic that exists before it reports started.
export const SERVICE_LIMITS: ServiceLimits = { startWaitMs: 120_000, stopWaitMs: 10_000, logTailLines: 40 };

export interface ServiceOptions {
  /** Copy the services' output to this process's stderr as it comes (else it is only kept for error reports). */
  readonly echo: boolean;
  readonly limits?: ServiceLimits;
  readonly env?: NodeJS.ProcessEnv;
}

interface Running {
  readonly name: string;
  readonly child: ChildProcess;
  readonly tail: string[];
  exit: string | null;
}

/** Every child any ServiceProcesses started and has not reaped: killed when this process exits, however it exits. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
  });
}

/**
 * Sequencer and projector as child processes of this CLI. Ready when each has
 * logged `<name> started`; `stop()` sends SIGTERM, then SIGKILL after
 * `stopWaitMs`; children left at exit (an uncaught error, Ctrl-C) are killed.
 */
export class ServiceProcesses {
  private readonly running: Running[] = [];
  private stopping = false;
  private readonly forgetInterrupt = onInterrupt(() => this.stop());

  private constructor(private readonly limits: ServiceLimits) {}

  static async start(options: ServiceOptions): Promise<ServiceProcesses> {
    const limits = options.limits ?? SERVICE_LIMITS;
    for (const service of FABRIC_SERVICES) {
      if (!existsSync(resolve(REPO_ROOT, service.entry))) {
        throw new Error(`${service.entry} does not exist, so the ${service.name} cannot be started`);
      }
    }
    // A developer's stack signs with the key directory: its root must exist before the sequencer reads the trust roots.
    const config = loadConfig(options.env ?? process.env);
    if (config.trustRoots === null) new KeyStore(config.keysDir).init();
    const services = new ServiceProcesses(limits);
    try {
      await Promise.all(FABRIC_SERVICES.map((service) => services.spawn(service.name, service.entry, options)));
    } catch (error) {
      await services.stop();
      throw error;
    }
    return services;
  }

  /** A service that has exited while it should be running, with its last log lines; null when all run. */
  problem(): string | null {
    if (this.stopping) return null;
    const dead = this.running.find((service) => service.exit !== null);
    return dead === undefined ? null : this.describeExit(dead);
  }

  /** Resolves when the first service exits on its own (for `fabric services`). */
  exited(): Promise<string> {
    return new Promise((resolve) => {
      const check = () => {
        const problem = this.problem();
        if (problem !== null) resolve(problem);
      };
      for (const service of this.running) service.child.once('exit', () => setImmediate(check));
      check();
    });
  }

  /** The pids, for the report: `sequencer pid 123, projector pid 456`. */
  describe(): string {
    return this.running.map((service) => `${service.name} pid ${service.child.pid ?? '?'}`).join(', ');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.forgetInterrupt();
    await Promise.all(this.running.map((service) => this.stopOne(service)));
  }

  private spawn(name: string, entry: string, options: ServiceOptions): Promise<void> {
    // `node --import tsx` rather than the tsx binary: one process per service, so a signal reaches the service itself.
    const child = spawn(process.execPath, ['--import', 'tsx', entry], {
      cwd: REPO_ROOT,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    installExitHook();
    liveChildren.add(child);
    const service: Running = { name, child, tail: [], exit: null };
    this.running.push(service);

    return new Promise<void>((resolveReady, rejectReady) => {
      let ready = false;
      const timer = setTimeout(() => {
        rejectReady(
          new Error(
            `the ${name} did not log '${name} started' within ${this.limits.startWaitMs / 1000} s; its last lines:\n${this.tailText(service)}`,
          ),
        );
      }, this.limits.startWaitMs);
      const onLine = (line: string) => {
        service.tail.push(line);
        if (service.tail.length > this.limits.logTailLines) service.tail.shift();
        if (options.echo) process.stderr.write(`${line}\n`);
        if (!ready && isStartedLine(line, name)) {
          ready = true;
          clearTimeout(timer);
          resolveReady();
        }
      };
      forEachLine(child.stdout, onLine);
      forEachLine(child.stderr, onLine);
      child.once('error', (error) => {
        service.exit = `could not be started: ${error.message}`;
        clearTimeout(timer);
        rejectReady(new Error(`the ${name} could not be started: ${error.message}`));
      });
      child.once('exit', (code, signal) => {
        liveChildren.delete(child);
        service.exit = signal !== null ? `was killed by ${signal}` : `exited with code ${String(code)}`;
        if (!ready) {
          clearTimeout(timer);
          rejectReady(new Error(this.describeExit(service)));
        }
      });
    });
  }

  private async stopOne(service: Running): Promise<void> {
    const { child } = service;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), this.limits.stopWaitMs);
    await exited;
    clearTimeout(timer);
  }

  private describeExit(service: Running): string {
    return `the ${service.name} (pid ${service.child.pid ?? '?'}) ${service.exit ?? 'exited'}; its last lines:\n${this.tailText(service)}`;
  }

  private tailText(service: Running): string {
    return service.tail.length === 0 ? '    (no output)' : service.tail.map((line) => `    ${line}`).join('\n');
  }
}

/** The services log JSON lines (libs/config createLogger); `{"msg":"sequencer started"}` means ready. */
function isStartedLine(line: string, name: string): boolean {
  if (!line.startsWith('{')) return false;
  try {
    const entry = JSON.parse(line) as { msg?: unknown };
    return entry.msg === `${name} started`;
  } catch {
    return false;
  }
}
