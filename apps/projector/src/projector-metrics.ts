import type { Admin } from 'kafkajs';
import type { Pool } from 'pg';
import { MetricsRegistry, type Counter, type Gauge } from '@plan-fabric/metrics';

export interface ProjectorMetricsOptions {
  /** Port of the /metrics listener; null: no listener (and no lag polling). From FABRIC_METRICS_PORT + 1 in main.ts. */
  readonly port: number | null;
  readonly host: string;
  /** How often the projection lag of each endpoint is read from Kafka and Postgres. */
  readonly lagRefreshMs: number;
}

export const DEFAULT_PROJECTOR_METRICS_OPTIONS: ProjectorMetricsOptions = { port: null, host: '127.0.0.1', lagRefreshMs: 5_000 };

/** One batch the projector committed to Postgres. */
export interface ProjectedBatch {
  readonly endpointId: string;
  readonly topic: string;
  readonly partition: number;
  /** Events newly written (a redelivered event is skipped, not counted). */
  readonly applied: number;
  /** The next offset now stored in Postgres (the last event's offset + 1). */
  readonly nextOffset: number;
  /**
   * The offset after the last record of the fetched batch, control records
   * included: past the sequencer's commit marker when the batch ended with it.
   */
  readonly consumedThrough: number;
}

export interface ProjectionTarget {
  readonly endpointId: string;
  readonly topic: string;
}

/** Endpoints whose lag is read at once (one admin request each). */
const LAG_READS_AT_ONCE = 16;

/**
 * The projector's metrics: events projected, and how far the Postgres
 * projection is behind each endpoint's events topic.
 *
 * Projection lag is the topic's end offset minus the projected position. The
 * position is the next offset stored in Postgres — the truth, also after a
 * rebuild — except that a transactional topic ends with a commit marker that
 * occupies an offset but carries no event. So when this process's last batch
 * ended exactly where Postgres stands, the position is the end of that batch
 * with its marker, and a caught-up projector shows 0, not 1.
 */
export class ProjectorMetrics {
  readonly registry = new MetricsRegistry();
  readonly projectedEvents: Counter = this.registry.counter(
    'plan_fabric_projected_events_total',
    'Events written to the Postgres projection (redeliveries skipped), by endpoint.',
    ['endpoint'],
  );
  readonly projectionLag: Gauge = this.registry.gauge(
    'plan_fabric_projection_lag',
    "Offsets of an endpoint's events topic not yet in the Postgres projection: the topic's end offset minus the projected position.",
    ['endpoint'],
  );
  private readonly lastBatch = new Map<string, ProjectedBatch>();

  /** The EndpointProjector's onProjected. */
  recordProjected(batch: ProjectedBatch): void {
    this.projectedEvents.inc({ endpoint: batch.endpointId }, batch.applied);
    this.lastBatch.set(batch.topic, batch);
  }

  /** Reads the end offsets from Kafka and the stored positions from Postgres (one query); returns the errors to log. */
  async refreshLag(admin: Admin, pool: Pool, targets: readonly ProjectionTarget[]): Promise<unknown[]> {
    if (targets.length === 0) return [];
    const errors: unknown[] = [];
    let stored: Map<string, number>;
    try {
      const { rows } = await pool.query<{ topic: string; next_offset: string }>(
        'SELECT topic, next_offset FROM fabric.projector_offsets WHERE partition = 0 AND topic = ANY($1)',
        [targets.map((target) => target.topic)],
      );
      stored = new Map(rows.map((row) => [row.topic, Number(row.next_offset)]));
    } catch (error) {
      return [error];
    }
    const queue = [...targets];
    const worker = async () => {
      for (let target = queue.shift(); target !== undefined; target = queue.shift()) {
        try {
          const ends = await admin.fetchTopicOffsets(target.topic);
          const partition = ends.find((entry) => entry.partition === 0);
          const end = Number(partition?.high ?? 0);
          const next = stored.get(target.topic) ?? Number(partition?.low ?? 0);
          const last = this.lastBatch.get(target.topic);
          const position = last !== undefined && last.nextOffset === next ? Math.max(next, last.consumedThrough) : next;
          this.projectionLag.set({ endpoint: target.endpointId }, Math.max(0, end - position));
        } catch (error) {
          errors.push(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(LAG_READS_AT_ONCE, queue.length) }, worker));
    return errors;
  }
}
