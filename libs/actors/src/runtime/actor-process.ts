import { createLogger, loadConfig, type FabricConfig, type Logger } from '@plan-fabric/config';

export interface RunningActor {
  stop(): Promise<void>;
}

/** Longest a graceful stop may take before the process exits anyway. */
export const ACTOR_STOP_WAIT_MS = 10_000;

/**
 * The whole of an actor app's main.ts: load the config, start, stop cleanly on
 * SIGTERM / SIGINT, and exit 1 if it cannot start or can no longer follow the
 * endpoint's decisions (`fatal`) — a supervisor restarts it, and it re-reads
 * the log from the beginning.
 */
export function runActorProcess<S>(
  service: string,
  usage: string,
  readSettings: (argv: readonly string[]) => S,
  start: (config: FabricConfig, settings: S, logger: Logger, fatal: (error: unknown) => void) => Promise<RunningActor>,
): void {
  let settings: S;
  try {
    settings = readSettings(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${service}: ${error instanceof Error ? error.message : String(error)}\n${usage}\n`);
    process.exit(2);
  }
  const config = loadConfig();
  const logger = createLogger(service, config.logLevel, settings as Record<string, unknown>);
  let running: RunningActor | null = null;
  let stopping = false;
  const stop = (signal: string, code: number) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    const force = setTimeout(() => {
      logger.error('graceful stop took too long; exiting', { stopWaitMs: ACTOR_STOP_WAIT_MS });
      process.exit(code === 0 ? 1 : code);
    }, ACTOR_STOP_WAIT_MS);
    force.unref();
    (running?.stop() ?? Promise.resolve()).then(
      () => process.exit(code),
      (error: unknown) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  const fatal = (error: unknown) => {
    logger.error('cannot go on; exiting so a supervisor restarts this actor', { error });
    stop('fatal', 1);
  };
  process.once('SIGTERM', () => stop('SIGTERM', 0));
  process.once('SIGINT', () => stop('SIGINT', 0));
  start(config, settings, logger, fatal).then(
    (actor) => {
      running = actor;
      if (stopping) void actor.stop();
    },
    (error: unknown) => {
      logger.error(`${service} failed to start`, { error });
      process.stderr.write(`${service} failed to start: ${error instanceof Error ? error.message : String(error)}\nIs the stack up? run \`npm run stack:up\`\n`);
      process.exit(1);
    },
  );
}
