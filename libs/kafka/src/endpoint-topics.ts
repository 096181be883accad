import type { Admin } from 'kafkajs';
import type { FabricConfig } from '@plan-fabric/config';
import { ENDPOINT_ID_PATTERN, topicNames } from './topics';

/** Twice Kafka's default record limit (1 MiB): room for the largest command record and its headers. */
export const DEAD_LETTER_BYTES_MAX = 2 * 1024 * 1024;

/**
 * Creates an endpoint's command, event and dead-letter topics if they are
 * missing: one partition each, kept forever (they are the audit record).
 * Safe to call any number of times, from any service.
 */
export async function ensureEndpointTopics(admin: Admin, config: FabricConfig, endpointId: string): Promise<void> {
  if (!ENDPOINT_ID_PATTERN.test(endpointId)) {
    throw new Error(`endpoint id '${endpointId}' must match ${ENDPOINT_ID_PATTERN} (it becomes part of topic names)`);
  }
  const names = topicNames(config.topicPrefix);
  const wanted = [names.commands(endpointId), names.events(endpointId), names.deadLetters(endpointId)];
  const existing = new Set(await admin.listTopics());
  const missing = wanted.filter((topic) => !existing.has(topic));
  if (missing.length === 0) return;
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((topic) => ({
      topic,
      numPartitions: 1,
      replicationFactor: config.replicationFactor,
      configEntries: [
        { name: 'retention.ms', value: '-1' },
        { name: 'retention.bytes', value: '-1' },
        { name: 'cleanup.policy', value: 'delete' },
        { name: 'min.insync.replicas', value: String(config.minInsyncReplicas) },
        // A dead letter is a command record as large as the broker accepted, plus the headers that say why:
        // its topic must take more than a command topic does, or one huge record would stall the endpoint.
        ...(topic === names.deadLetters(endpointId) ? [{ name: 'max.message.bytes', value: String(DEAD_LETTER_BYTES_MAX) }] : []),
      ],
    })),
  });
}
