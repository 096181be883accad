import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '../../../..');
const STOP_WAIT_MS = 10_000;

/**
 * The real sequencer and projector as child processes (`node --import tsx
 * apps/…/main.ts`), serving only the endpoints the filter names: the audit's
 * tests audit logs the real services wrote. Output is kept for failures.
 */
export class ChildServices {
  private readonly children: Array<{ readonly name: string; readonly child: ChildProcess; readonly output: string[] }> = [];

  static start(env: NodeJS.ProcessEnv): ChildServices {
    const services = new ChildServices();
    for (const name of ['sequencer', 'projector']) {
      const child = spawn(process.execPath, ['--import', 'tsx', `apps/${name}/src/main.ts`], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output: string[] = [];
      const keep = (chunk: Buffer) => {
        output.push(chunk.toString('utf8'));
        if (output.length > 200) output.shift();
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      services.children.push({ name, child, output });
    }
    return services;
  }

  /** The services' recent output, to show when a wait times out. */
  describe(): string {
    return this.children.map(({ name, child, output }) => `--- ${name} (pid ${child.pid}, exit ${child.exitCode})\n${output.join('').slice(-3_000)}`).join('\n');
  }

  /** SIGTERM to each child this object started, SIGKILL after STOP_WAIT_MS. */
  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((done) => child.once('exit', () => done()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_WAIT_MS);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
