import type { Admin } from 'kafkajs';
import { outcomeOf } from '@plan-fabric/domain';
import { MetricsRegistry, type Counter, type Gauge, type Histogram } from '@plan-fabric/metrics';
import type { CommittedBatch } from './endpoint-sequencer';

export interface SequencerMetricsOptions {
  /** Port of the /metrics listener; null: no listener (and no lag polling). From FABRIC_METRICS_PORT in main.ts. */
  readonly port: number | null;
  readonly host: string;
  /** How often the consumer lag of each endpoint is read from Kafka. */
  readonly lagRefreshMs: number;
}

export const DEFAULT_SEQUENCER_METRICS_OPTIONS: SequencerMetricsOptions = { port: null, host: '127.0.0.1', lagRefreshMs: 5_000 };

/** Endpoints whose lag is read at once: two admin requests each, so a sequencer with many endpoints does not burst the broker. */
const LAG_READS_AT_ONCE = 16;

/** Transactions take milliseconds to seconds (a broker that stalls: up to the 30 s transaction timeout). */
const TRANSACTION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** What a consumer-lag refresh needs of a served endpoint. */
export interface LagTarget {
  readonly endpointId: string;
  readonly commands: string;
  readonly groupId: string;
}

/**
 * The sequencer's metrics: every decision by outcome and reason (rate() of it
 * is decisions per second), the latency of each Kafka transaction, and how
 * many command records wait undecided per endpoint.
 */
export class SequencerMetrics {
  readonly registry = new MetricsRegistry();
  readonly decisions: Counter = this.registry.counter(
    'plan_fabric_decisions_total',
    'Command records decided and committed, by endpoint, outcome (accepted, rejected, duplicate) and rejection reason (none unless rejected).',
    ['endpoint', 'outcome', 'reason'],
  );
  readonly transactionSeconds: Histogram = this.registry.histogram(
    'plan_fabric_transaction_seconds',
    'Time of one committed sequencer transaction, from its begin to its commit (events, dead letters and the consumed offset).',
    [],
    TRANSACTION_BUCKETS,
  );
  readonly consumerLag: Gauge = this.registry.gauge(
    'plan_fabric_consumer_lag',
    "Command records not yet decided: the command partition's end offset minus the sequencer group's committed offset.",
    ['endpoint'],
  );

  /** The EndpointSequencer's onCommitted: one decision per event (each command record has exactly one outcome). */
  recordCommitted(batch: CommittedBatch): void {
    for (const event of batch.events) {
      const outcome = outcomeOf(event);
      const reason = event.type === 'CommandRejected' ? event.data.reason : 'none';
      this.decisions.inc({ endpoint: batch.endpointId, outcome, reason });
    }
    if (batch.transactionSeconds !== undefined) this.transactionSeconds.observe({}, batch.transactionSeconds);
  }

  /**
   * Reads end offsets and committed offsets from Kafka. The group's committed
   * offset is the truth whichever instance owns the partition, so every
   * instance reports the same lag. An endpoint that fails to answer keeps its
   * last value; the error is returned for the caller to log.
   */
  async refreshLag(admin: Admin, targets: readonly LagTarget[]): Promise<unknown[]> {
    const errors: unknown[] = [];
    const queue = [...targets];
    const worker = async () => {
      for (let target = queue.shift(); target !== undefined; target = queue.shift()) {
        try {
          const [ends, committed] = await Promise.all([
            admin.fetchTopicOffsets(target.commands),
            admin.fetchOffsets({ groupId: target.groupId, topics: [target.commands] }),
          ]);
          const end = Number(ends.find((partition) => partition.partition === 0)?.high ?? 0);
          const low = Number(ends.find((partition) => partition.partition === 0)?.low ?? 0);
          const next = Number(committed[0]?.partitions.find((partition) => partition.partition === 0)?.offset ?? -1);
          // -1: the group has committed nothing yet, so every record from the start of the log waits.
          this.consumerLag.set({ endpoint: target.endpointId }, Math.max(0, end - (next < 0 ? low : next)));
        } catch (error) {
          errors.push(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(LAG_READS_AT_ONCE, queue.length) }, worker));
    return errors;
  }
}
