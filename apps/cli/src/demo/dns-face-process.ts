import { forEachLine } from '@plan-fabric/config';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { onInterrupt } from '../cli/interrupts';
import { REPO_ROOT } from '../repo-root';

export const DNS_ENTRY = 'apps/dns/src/main.ts';

/** The zones of the demo's two DNS faces: one per backend, so a name says which control plane answers it. */
export const DEMO_DNS_ZONES = { naive: 'naive.internal.', dns: 'fabric.internal.' } as const;

export interface DnsFaceSpec {
  readonly backend: 'dns' | 'naive';
  readonly zone: string;
  /** 0: a free port (read back from the `dns started` log line). */
  readonly port: number;
  /** Forward the face's log lines to this process's stderr as they come (`fabric dns`). */
  readonly echo?: boolean;
  /** More arguments for apps/dns/src/main.ts (`--negative-ttl 5`, `--udp-only`). */
  readonly extraArgs?: readonly string[];
}

const START_WAIT_MS = 60_000;
const STOP_WAIT_MS = 5_000;
const TAIL_LINES = 30;

/**
 * A DNS face (apps/dns) as a child process, like the sequencer and the
 * projector: `node --import tsx apps/dns/src/main.ts --port … --backend …`.
 * Ready when it logged `dns started`, which also says the port it bound.
 */
export class DnsFaceProcess {
  private readonly tail: string[] = [];
  private exit: string | null = null;
  private readonly forgetInterrupt: () => void;

  private constructor(
    readonly spec: DnsFaceSpec,
    private readonly child: ChildProcess,
    /** The UDP (and TCP) port it answers on. */
    public port = 0,
  ) {
    this.forgetInterrupt = onInterrupt(() => this.stop());
  }

  /** The zone without its final dot: `fabric.internal`. */
  get zoneName(): string {
    return this.spec.zone.replace(/\.$/, '');
  }

  /** The name a client asks for an endpoint: `<endpoint>.<zone>`. */
  nameOf(endpointId: string): string {
    return `${endpointId}.${this.zoneName}`;
  }

  static start(spec: DnsFaceSpec, env: NodeJS.ProcessEnv): Promise<DnsFaceProcess> {
    const args = ['--port', String(spec.port), '--backend', spec.backend, '--zone', spec.zone, ...(spec.extraArgs ?? [])];
    const child = spawn(process.execPath, ['--import', 'tsx', DNS_ENTRY, ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    killAtExit(child);
    const face = new DnsFaceProcess(spec, child);
    return new Promise((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        reject(new Error(`the DNS face (${spec.backend}) did not log 'dns started' within ${START_WAIT_MS / 1000} s; its last lines:\n${face.tailText()}`));
        void face.stop();
      }, START_WAIT_MS);
      const onLine = (line: string) => {
        face.tail.push(line);
        if (face.tail.length > TAIL_LINES) face.tail.shift();
        if (spec.echo === true) process.stderr.write(`${line}\n`);
        if (ready) return;
        const port = startedPort(line);
        if (port !== null) {
          ready = true;
          face.port = port;
          clearTimeout(timer);
          resolve(face);
        }
      };
      forEachLine(child.stdout, onLine);
      forEachLine(child.stderr, onLine);
      child.once('error', (error) => {
        face.exit = `could not be started: ${error.message}`;
        clearTimeout(timer);
        reject(new Error(`the DNS face could not be started: ${error.message}`));
      });
      child.once('exit', (code, signal) => {
        face.exit = signal !== null ? `was killed by ${signal}` : `exited with code ${String(code)}`;
        if (!ready) {
          clearTimeout(timer);
          reject(new Error(face.problem() ?? 'the DNS face exited'));
        }
      });
    });
  }

  /** Set when the face exited, with its last lines. */
  problem(): string | null {
    return this.exit === null ? null : `the DNS face (${this.spec.backend}, pid ${this.child.pid ?? '?'}) ${this.exit}; its last lines:\n${this.tailText()}`;
  }

  /** Resolves with the exit code when the face exits by itself (or is stopped). */
  exited(): Promise<number> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) resolve(this.child.exitCode ?? 1);
      else this.child.once('exit', (code) => resolve(code ?? 1));
    });
  }

  describe(): string {
    return `${this.spec.zone} (${this.spec.backend} backend) on 127.0.0.1:${this.port}, pid ${this.child.pid ?? '?'}`;
  }

  async stop(): Promise<void> {
    this.forgetInterrupt();
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_WAIT_MS);
    await exited;
    clearTimeout(timer);
  }

  private tailText(): string {
    return this.tail.length === 0 ? '    (no output)' : this.tail.map((line) => `    ${line}`).join('\n');
  }
}

/** `{"msg":"dns started","udpPort":41234,…}` → 41234. */
function startedPort(line: string): number | null {
  if (!line.startsWith('{')) return null;
  try {
    const entry = JSON.parse(line) as { msg?: unknown; udpPort?: unknown };
    return entry.msg === 'dns started' && typeof entry.udpPort === 'number' ? entry.udpPort : null;
  } catch {
    return null;
  }
}

/** True when `dig` (bind9-dnsutils) is on the PATH. */
export function digAvailable(): boolean {
  return spawnSync('dig', ['-v'], { stdio: 'ignore' }).status === 0;
}

/**
 * Runs a real `dig` against a DNS face and returns the command and the lines
 * worth showing: the status, the flags and the records. Null when dig is not
 * installed.
 */
export function digTranscript(port: number, name: string, type = 'A'): Promise<{ command: string; lines: string[] } | null> {
  if (!digAvailable()) return Promise.resolve(null);
  const args = ['@127.0.0.1', '-p', String(port), name, type, '+norecurse', '+tries=2', '+time=2'];
  const command = `dig ${args.join(' ')}`;
  return new Promise((resolve) => {
    execFile('dig', [...args, '+noall', '+comments', '+answer', '+authority'], { timeout: 10_000 }, (error, stdout) => {
      const lines = stdout
        .split('\n')
        .filter((line) => /->>HEADER<<-|^;; flags:/.test(line) || /^[^;\s]/.test(line))
        .map((line) => line.replace(/\t+/g, ' '));
      if (lines.length === 0 && error !== null) lines.push(`(dig failed: ${error.message.split('\n')[0]})`);
      resolve({ command, lines });
    });
  });
}

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function killAtExit(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const running of liveChildren) running.kill('SIGKILL');
  });
}
