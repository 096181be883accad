import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

/**
 * The chaos run's own Kafka broker and Postgres cluster: it restarts and
 * kills them, so it must never touch the shared ones (127.0.0.1:9092, the
 * machine's Postgres on 5432). Both listen on 127.0.0.1 only, on their own
 * ports, with their data in the run's temporary directory.
 */

export interface CommandResult {
  readonly code: number | null;
  readonly output: string;
  readonly timedOut: boolean;
}

/** Runs a command to completion, at most `timeoutMs` (then SIGKILL); never throws for a non-zero exit. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { readonly env?: NodeJS.ProcessEnv; readonly cwd?: string; readonly timeoutMs: number },
): Promise<CommandResult> {
  return new Promise((resolveRun) => {
    const child = spawn(command, [...args], { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let timedOut = false;
    const keep = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.length > 64_000) output = output.slice(-32_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolveRun({ code: null, output: `${output}${error.message}`, timedOut });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, output, timedOut });
    });
  });
}

/**
 * `count` distinct ports nothing listens on at 127.0.0.1, picked at random below the kernel's
 * ephemeral range: fixed ports collide when two runs start at once (two `npm test` on one machine),
 * and a port in the ephemeral range can be taken as the source port of some client's connection while
 * the broker or Postgres is down for a restart, and then it could not listen there again.
 */
export async function freePorts(count: number): Promise<number[]> {
  const ephemeralLow = Number(readFileSyncSafe('/proc/sys/net/ipv4/ip_local_port_range').split(/\s+/)[0]) || 32768;
  const low = 20_000;
  const high = Math.max(low + 1_000, Math.min(32_000, ephemeralLow));
  const free = (port: number) =>
    new Promise<boolean>((resolveListen) => {
      const server = createServer();
      server.once('error', () => resolveListen(false));
      server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolveListen(true)));
    });
  const ports: number[] = [];
  for (let attempt = 0; ports.length < count && attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (!ports.includes(port) && (await free(port))) ports.push(port);
  }
  if (ports.length < count) throw new Error(`no ${count} free TCP ports on 127.0.0.1 between ${low} and ${high}`);
  return ports;
}

function readFileSyncSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

/** A single-node Kafka started by scripts/stack.sh under a PLAN_FABRIC_HOME of its own. */
export class PrivateKafka {
  readonly brokers: string;
  private readonly dataDir: string;

  constructor(
    private readonly repoRoot: string,
    /** PLAN_FABRIC_HOME of this broker: its data dir and lock live here. */
    private readonly home: string,
    readonly port: number,
    readonly controllerPort: number,
    private readonly databaseUrl: string,
  ) {
    this.brokers = `127.0.0.1:${port}`;
    this.dataDir = join(home, 'kafka-data');
  }

  /**
   * The broker jars are cached under `<PLAN_FABRIC_HOME>/kafka-<version>`: link the
   * user's cache (~/.cache/plan-fabric or $PLAN_FABRIC_HOME) into the private home,
   * so nothing is fetched again (and a first fetch fills the shared cache).
   */
  linkJarCache(): string {
    const script = readFileSync(resolve(this.repoRoot, 'scripts/stack.sh'), 'utf8');
    const version = /^KAFKA_VERSION="([^"]+)"/m.exec(script)?.[1];
    if (version === undefined) throw new Error('scripts/stack.sh names no KAFKA_VERSION');
    const sharedHome = process.env['PLAN_FABRIC_HOME'] ?? join(homedir(), '.cache', 'plan-fabric');
    const cache = join(sharedHome, `kafka-${version}`);
    mkdirSync(cache, { recursive: true });
    mkdirSync(this.home, { recursive: true });
    const link = join(this.home, `kafka-${version}`);
    if (!existsSync(link)) symlinkSync(cache, link);
    return cache;
  }

  /** `stack.sh up`: formats storage the first time, starts the broker, waits until it serves (coordinators too). */
  async up(timeoutMs = 180_000): Promise<void> {
    // stack.sh takes the cluster id from this file when it exists: one JVM start (StorageTool random-uuid) fewer.
    const clusterIdFile = join(this.dataDir, 'cluster-id');
    if (!existsSync(clusterIdFile)) {
      mkdirSync(this.dataDir, { recursive: true });
      // Like Kafka's Uuid.randomUuid: never one that starts with '-', which the storage tool would read as an option.
      let clusterId = randomBytes(16).toString('base64url');
      while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
      writeFileSync(clusterIdFile, `${clusterId}\n`);
    }
    const result = await this.stack('up', timeoutMs);
    // stack.sh also checks Postgres and exits 1 if it does not answer: only the broker matters here.
    if (!/Kafka ready at|Kafka already running/.test(result.output)) {
      throw new Error(`the private Kafka on ${this.brokers} did not start${result.timedOut ? ` within ${timeoutMs / 1000} s` : ''}:\n${result.output.trim()}`);
    }
    // stack.sh's readiness probe asks whatever answers on the port: make sure it is this broker (another
    // run's broker on the same port would be reported ready while ours failed to bind).
    const answered = /cluster=(\S+)/.exec(result.output)?.[1];
    const ours = readFileSync(clusterIdFile, 'utf8').trim();
    if (answered !== undefined && answered !== ours) {
      throw new Error(`the broker answering on ${this.brokers} is cluster ${answered}, not this run's ${ours}: another broker holds the port`);
    }
    if (this.pid() === null) throw new Error(`the private Kafka on ${this.brokers} is not running after stack.sh up:\n${result.output.trim()}`);
  }

  /** `stack.sh down`: SIGTERM, controlled shutdown (SIGKILL after 30 s). */
  async down(timeoutMs = 60_000): Promise<void> {
    const result = await this.stack('down', timeoutMs);
    if (result.code !== 0) throw new Error(`stopping the private Kafka failed:\n${result.output.trim()}`);
  }

  /** kill -9 of the broker JVM; waits until it is gone. */
  async crash(): Promise<void> {
    const pid = this.pid();
    if (pid === null) throw new Error('the private Kafka is not running');
    process.kill(pid, 'SIGKILL');
    for (let waited = 0; waited < 100 && isAlive(pid); waited++) await sleep(100);
  }

  pid(): number | null {
    const file = join(this.dataDir, 'kafka.pid');
    if (!existsSync(file)) return null;
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
  }

  /** For an exit hook: no waiting, no child processes. */
  killNow(): void {
    const pid = this.pid();
    if (pid !== null) process.kill(pid, 'SIGKILL');
  }

  logFile(): string {
    return join(this.dataDir, 'kafka.log');
  }

  /** The SASL/SCRAM passwords stack.sh generated for this broker's principals (`principal=password`, mode 0600). */
  credentialsFile(): string {
    return join(this.home, 'kafka-credentials');
  }

  /** Copies the broker's log to `target` (stack.sh keeps only the previous start's log; a restart would lose it). */
  keepLog(target: string): void {
    if (existsSync(this.logFile())) copyFileSync(this.logFile(), target);
  }

  private stack(command: 'up' | 'down', timeoutMs: number): Promise<CommandResult> {
    return runCommand('bash', [resolve(this.repoRoot, 'scripts/stack.sh'), command], {
      cwd: this.repoRoot,
      timeoutMs,
      env: {
        ...process.env,
        PLAN_FABRIC_HOME: this.home,
        KAFKA_PORT: String(this.port),
        KAFKA_CONTROLLER_PORT: String(this.controllerPort),
        KAFKA_BROKERS: this.brokers,
        DATABASE_URL: this.databaseUrl,
        // stack.sh hands these to java as they are: a smaller heap, and C1 only, which starts the
        // broker markedly faster on a busy machine (this broker is restarted several times a run).
        KAFKA_HEAP_OPTS: '-Xms128m -Xmx512m -XX:TieredStopAtLevel=1',
      },
    });
  }
}

/** Where initdb and pg_ctl are: the newest /usr/lib/postgresql/<n>/bin, else PATH. */
export function findPostgresBin(): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((name) => /^\d+$/.test(name) && existsSync(join(root, name, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0] !== undefined) return join(root, versions[0], 'bin');
  }
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  throw new Error('initdb/pg_ctl not found (apt-get install -y postgresql, or put its bin directory on PATH)');
}

/** A throwaway Postgres cluster (initdb + pg_ctl) in `dir`, trust auth, 127.0.0.1:`port` only. */
export class PrivatePostgres {
  readonly url: string;
  private readonly dataDir: string;
  private readonly logPath: string;
  /** As root, initdb refuses to run: the cluster belongs to the postgres user. */
  private readonly runAs: string | null;

  constructor(
    private readonly dir: string,
    readonly port: number,
    private readonly bin: string = findPostgresBin(),
  ) {
    this.url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    this.dataDir = join(dir, 'data');
    this.logPath = join(dir, 'postgres.log');
    this.runAs = process.getuid?.() === 0 ? 'postgres' : null;
  }

  async init(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    if (this.runAs !== null) {
      const uid = Number(spawnSync('id', ['-u', this.runAs], { encoding: 'utf8' }).stdout.trim());
      const gid = Number(spawnSync('id', ['-g', this.runAs], { encoding: 'utf8' }).stdout.trim());
      if (!Number.isSafeInteger(uid) || uid <= 0) throw new Error(`running as root, but there is no '${this.runAs}' user to own the private Postgres cluster`);
      chownSync(this.dir, uid, gid);
    }
    const result = await this.pg('initdb', ['-D', this.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], 120_000);
    if (result.code !== 0) throw new Error(`initdb of the private Postgres failed:\n${result.output.trim()}`);
  }

  async start(): Promise<void> {
    await this.ctl(['start'], 'starting');
  }

  /** `pg_ctl restart -m fast` (clean) or `-m immediate` (a crash: recovery on start). */
  async restart(mode: 'fast' | 'immediate'): Promise<void> {
    await this.ctl(['-m', mode, 'restart'], `restarting (-m ${mode})`);
  }

  async stop(): Promise<void> {
    if (!existsSync(join(this.dataDir, 'postmaster.pid'))) return;
    await this.ctl(['-m', 'fast', 'stop'], 'stopping');
  }

  /** For an exit hook: SIGQUIT is Postgres's immediate shutdown. */
  killNow(): void {
    const file = join(this.dataDir, 'postmaster.pid');
    if (!existsSync(file)) return;
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    if (Number.isSafeInteger(pid) && pid > 0 && isAlive(pid)) process.kill(pid, 'SIGQUIT');
  }

  logFile(): string {
    return this.logPath;
  }

  private async ctl(args: readonly string[], what: string): Promise<void> {
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.dir} -c max_connections=100`;
    const result = await this.pg('pg_ctl', ['-D', this.dataDir, '-l', this.logPath, '-w', '-t', '60', '-o', options, ...args], 90_000);
    if (result.code !== 0) throw new Error(`${what} the private Postgres failed:\n${result.output.trim()}`);
    if (args.includes('stop')) return;
    // The server on the port must be this cluster (not another run's that took the port meanwhile).
    const check = await runCommand(join(this.bin, 'psql'), ['-XAtq', '-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '-d', 'postgres', '-c', 'SHOW data_directory'], {
      timeoutMs: 15_000,
    });
    if (check.code !== 0 || check.output.trim() !== this.dataDir) {
      throw new Error(`the Postgres on 127.0.0.1:${this.port} is not this run's cluster (${this.dataDir}): ${check.output.trim()}`);
    }
  }

  private pg(tool: string, args: readonly string[], timeoutMs: number): Promise<CommandResult> {
    const binary = join(this.bin, tool);
    return this.runAs === null
      ? runCommand(binary, args, { timeoutMs, cwd: this.dir })
      : runCommand('runuser', ['-u', this.runAs, '--', binary, ...args], { timeoutMs, cwd: this.dir });
  }
}
