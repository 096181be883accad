import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

/**
 * Reads a topic's partition 0 from the beginning, read committed, until
 * `count` records arrived or `timeoutMs` passed; returns what it read.
 */
export async function readTopic(kafka: Kafka, topic: string, count: number, timeoutMs = 30_000): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `test-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const messages: KafkaMessage[] = [];
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const timer = setTimeout(finish, timeoutMs);
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        messages.push(message);
        if (messages.length >= count) finish();
      },
    });
    await done;
    return messages;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
}

/** A fresh endpoint id for one test (topic names are derived from it). */
export function testEndpointId(label: string): string {
  return `t-${label}-${Date.now().toString(36)}-${randomUUID().slice(0, 4)}`;
}

export async function eventually<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
