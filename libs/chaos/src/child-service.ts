import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

/** One JSON log line of a service (libs/config createLogger), or null for anything else. */
export interface ServiceLogLine {
  readonly msg: string;
  readonly level: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export function parseLogLine(line: string): ServiceLogLine | null {
  if (!line.startsWith('{')) return null;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (typeof entry['msg'] !== 'string') return null;
    return { msg: entry['msg'], level: String(entry['level'] ?? ''), fields: entry };
  } catch {
    return null;
  }
}

type LineListener = (line: ServiceLogLine, service: ChildService) => void;

/** Every child any ChildService started and that has not exited: killed if this process exits, however it exits. */
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
 * A sequencer or projector run as `node --import tsx <entry>` (one process, so
 * signals reach the service itself), its output written to a log file and
 * parsed line by line for the fault injector.
 */
export class ChildService {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private readonly log: WriteStream;
  private readonly listeners = new Set<LineListener>();
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  /** Set by whoever kills or stops it on purpose, so the supervisor can tell a planned exit from a crash. */
  planned = false;
  private stoppedBySignal = false;

  constructor(
    readonly name: string,
    entry: string,
    options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv; readonly logFile: string },
  ) {
    this.log = createWriteStream(options.logFile, { flags: 'a' });
    // Its own process group: a SIGSTOPped member of the CLI's group would get SIGHUP from the kernel whenever
    // that group is orphaned (a CLI started in the background by a shell that exited) and a member exits.
    this.child = spawn(process.execPath, ['--import', 'tsx', entry], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    installExitHook();
    liveChildren.add(this.child);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        liveChildren.delete(this.child);
        this.exitInfo = { code, signal };
        this.log.write(`--- ${this.name} exited (code ${String(code)}, signal ${String(signal)})\n`);
        this.log.end();
        resolve({ code, signal });
      });
    });
    this.child.once('error', (error) => this.log.write(`--- ${this.name} could not be started: ${error.message}\n`));
    this.forEachLine(this.child.stdout);
    this.forEachLine(this.child.stderr);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exitInfo === null;
  }

  /** Is it stopped by SIGSTOP right now? */
  get paused(): boolean {
    return this.stoppedBySignal;
  }

  onLine(listener: LineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first line that matches, or rejects after `timeoutMs` or when the process exits first. */
  waitForLine(what: string, match: (line: ServiceLogLine) => boolean, timeoutMs: number): Promise<ServiceLogLine> {
    return new Promise((resolve, reject) => {
      const done = (error: Error | null, line?: ServiceLogLine) => {
        clearTimeout(timer);
        forget();
        if (error) reject(error);
        else resolve(line as ServiceLogLine);
      };
      const timer = setTimeout(() => done(new Error(`${this.name} (pid ${this.pid}) did not log ${what} within ${timeoutMs} ms`)), timeoutMs);
      const forget = this.onLine((line) => {
        if (match(line)) done(null, line);
      });
      void this.exited.then(() => done(new Error(`${this.name} (pid ${this.pid}) exited before it logged ${what}`)));
    });
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.running) return;
    this.log.write(`--- chaos: ${signal} to ${this.name} (pid ${this.pid})\n`);
    this.child.kill(signal);
    if (signal === 'SIGSTOP') this.stoppedBySignal = true;
    if (signal === 'SIGCONT') this.stoppedBySignal = false;
  }

  /** SIGTERM (after SIGCONT, in case it is paused), then SIGKILL after `waitMs`. */
  async stop(waitMs = 10_000): Promise<void> {
    this.planned = true;
    if (!this.running) return;
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), waitMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** kill -9, and wait until it is gone. */
  async kill(): Promise<void> {
    this.planned = true;
    this.signal('SIGKILL');
    await this.exited;
  }

  private forEachLine(stream: NodeJS.ReadableStream | null): void {
    if (stream === null) return;
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.log.write(chunk);
      buffered += chunk;
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        this.dispatch(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
      }
    });
  }

  private dispatch(text: string): void {
    const line = parseLogLine(text);
    if (line === null) return;
    for (const listener of [...this.listeners]) listener(line, this);
  }
}
