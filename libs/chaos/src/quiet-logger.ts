import type { LogFields, Logger } from '@plan-fabric/config';

/**
 * A Logger for the chaos driver's own Kafka and Postgres clients: while the
 * broker or the database is down on purpose they complain a lot. It keeps the
 * last lines (shown if the run fails) instead of printing them.
 */
export interface QuietLogger extends Logger {
  /** The last lines, oldest first. */
  readonly recent: readonly string[];
}

export function quietLogger(keep = 20): QuietLogger {
  const recent: string[] = [];
  const make = (fields: LogFields): Logger => {
    const at = (level: string) => (message: string, extra: LogFields = {}) => {
      const text = JSON.stringify({ ...fields, ...extra }, (_key, value: unknown) => (value instanceof Error ? value.message : value));
      recent.push(`${level} ${message} ${text}`);
      if (recent.length > keep) recent.shift();
    };
    return { debug: () => undefined, info: at('info'), warn: at('warn'), error: at('error'), child: (more) => make({ ...fields, ...more }) };
  };
  return { ...make({}), recent };
}
