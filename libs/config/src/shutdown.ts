import type { Logger } from './logger';

/** A service's main: on SIGTERM or SIGINT, stop it and exit 0 (1 if stopping failed). */
export function stopOnSignals(service: { stop(): Promise<void> }, logger: Logger): void {
  const shutdown = (signal: string) => {
    logger.info('shutting down', { signal });
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
