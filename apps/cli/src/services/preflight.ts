import { createConnection } from 'node:net';
import type { Pool } from 'pg';
import type { FabricConfig } from '@plan-fabric/config';

/** How long a preflight probe waits for an answer. */
export const PREFLIGHT_TIMEOUT_MS = 3_000;

/**
 * Checks that some Kafka broker of the config accepts connections, so that a
 * stack that is down is reported in seconds rather than after kafkajs's retries.
 * Returns what to tell the user, or null when one answers.
 */
export async function kafkaProblem(config: FabricConfig): Promise<string | null> {
  const answers = await Promise.all(config.kafkaBrokers.map((broker) => tcpAnswers(broker)));
  if (answers.some(Boolean)) return null;
  return `Kafka does not answer at ${config.kafkaBrokers.join(',')} — run \`npm run stack:up\` (or set KAFKA_BROKERS to a running cluster)`;
}

/** Checks that Postgres answers a query; returns what to tell the user, or null. */
export async function postgresProblem(pool: Pool, config: FabricConfig): Promise<string | null> {
  try {
    await pool.query('SELECT 1');
    return null;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `Postgres does not answer at ${redactUrl(config.databaseUrl)} (${reason}) — start it (\`npm run fabric -- stack status\` says how) or set DATABASE_URL`;
  }
}

/** The connection string without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

function tcpAnswers(broker: string): Promise<boolean> {
  const colon = broker.lastIndexOf(':');
  const host = colon > 0 ? broker.slice(0, colon) : broker;
  const port = colon > 0 ? Number(broker.slice(colon + 1)) : 9092;
  return new Promise((resolve) => {
    const socket = createConnection({ host, port, timeout: PREFLIGHT_TIMEOUT_MS });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}
