import type { Admin } from 'kafkajs';
import type { Pool } from 'pg';
import { projectedOffset } from '@plan-fabric/db';
import type { TopicNames } from '@plan-fabric/kafka';
import { withTimeout } from './load';

/**
 * Progress probes for the fault injector: each answers within a few seconds,
 * or null while the broker or the database is down (which is the point).
 */
export class Monitor {
  constructor(
    /** An admin client without retries: a probe fails fast instead of retrying for half a minute. */
    private readonly admin: Admin,
    private readonly pool: Pool,
    private readonly names: TopicNames,
    private readonly topicPrefix: string,
  ) {}

  /** Next command offset the endpoint's sequencer group committed (in its transactions): what is decided. */
  decided(endpointId: string): Promise<number | null> {
    return this.probe(async () => {
      const [topic] = await this.admin.fetchOffsets({ groupId: `${this.topicPrefix}.sequencer.${endpointId}`, topics: [this.names.commands(endpointId)] });
      const offset = Number(topic?.partitions[0]?.offset ?? '-1');
      return offset < 0 ? 0 : offset;
    });
  }

  /** End of the endpoint's command topic (no transactions write it: the high watermark). */
  commandsEnd(endpointId: string): Promise<number | null> {
    return this.probe(async () => Number((await this.admin.fetchTopicOffsets(this.names.commands(endpointId)))[0]?.high ?? '0'));
  }

  /** Next events topic offset the projector stored in Postgres (with its rows, in one transaction). */
  projected(endpointId: string): Promise<number | null> {
    return this.probe(async () => (await projectedOffset(this.pool, this.names.events(endpointId))) ?? 0);
  }

  private async probe(read: () => Promise<number>): Promise<number | null> {
    try {
      return await withTimeout(read(), 3_000);
    } catch {
      return null;
    }
  }
}

/** Polls `probe` until it is true; resolves with the time it took, or null after `timeoutMs`. */
export async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<number | null> {
  const started = Date.now();
  for (;;) {
    if (await probe().catch(() => false)) return Date.now() - started;
    if (Date.now() - started > timeoutMs) return null;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The first value `read` gives that is not null, or null after `timeoutMs`. */
export async function firstValue(read: () => Promise<number | null>, timeoutMs: number): Promise<number | null> {
  let value: number | null = null;
  await waitUntil(async () => (value = await read()) !== null, timeoutMs);
  return value;
}
