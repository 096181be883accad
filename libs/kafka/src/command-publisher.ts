import { Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import type { FabricConfig } from '@plan-fabric/config';
import { canonicalJson, type Command } from '@plan-fabric/domain';
import { ensureEndpointTopics } from './endpoint-topics';
import { topicNames } from './topics';

export interface Published {
  readonly topic: string;
  readonly offset: number;
}

/**
 * How planners, enactors, janitors, operators and the scenario runner send
 * commands: an idempotent producer (acks all) writing one record per command,
 * keyed by endpoint id, to the endpoint's command topic.
 */
export class CommandPublisher {
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly names;
  private readonly knownEndpoints = new Set<string>();

  constructor(
    kafka: Kafka,
    private readonly config: FabricConfig,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // One partition per topic: the choice of partitioner does not matter, naming one silences kafkajs's warning.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.admin = kafka.admin();
    this.names = topicNames(config.topicPrefix);
  }

  async connect(): Promise<void> {
    await Promise.all([this.producer.connect(), this.admin.connect()]);
  }

  async disconnect(): Promise<void> {
    await Promise.all([this.producer.disconnect(), this.admin.disconnect()]);
  }

  /** Creates the endpoint's topics if needed; called before an endpoint's first command. */
  async ensureEndpoint(endpointId: string): Promise<void> {
    if (this.knownEndpoints.has(endpointId)) return;
    await ensureEndpointTopics(this.admin, this.config, endpointId);
    this.knownEndpoints.add(endpointId);
  }

  async publish(command: Command): Promise<Published> {
    return this.publishRaw(command.endpointId, canonicalJson(command));
  }

  /** Sends a record value as it is (the scenario runner's `raw` steps, fuzzing). */
  async publishRaw(endpointId: string, value: string): Promise<Published> {
    await this.ensureEndpoint(endpointId);
    const topic = this.names.commands(endpointId);
    for (let attempt = 1; ; attempt++) {
      try {
        const [metadata] = await this.producer.send({ topic, acks: -1, messages: [{ key: endpointId, value }] });
        if (metadata === undefined || metadata.baseOffset === undefined) {
          throw new Error(`send to ${topic} returned no offset`);
        }
        return { topic, offset: Number(metadata.baseOffset) };
      } catch (error) {
        // A new topic's partition can take a while to reach the broker's replica manager under load;
        // these errors mean the record was not appended, so sending it again cannot duplicate it.
        if (attempt >= PUBLISH_ATTEMPTS_MAX || !notAppended(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, PUBLISH_RETRY_DELAY_MS * attempt));
      }
    }
  }
}

const PUBLISH_ATTEMPTS_MAX = 5;
const PUBLISH_RETRY_DELAY_MS = 500;
const NOT_APPENDED = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION']);

/** True for errors, or retries given up on errors, that tell the record was not appended. */
function notAppended(error: unknown): boolean {
  for (let cause: unknown = error; cause instanceof Error; cause = (cause as Error & { cause?: unknown }).cause) {
    if (NOT_APPENDED.has((cause as Error & { type?: string }).type ?? '')) return true;
  }
  return false;
}
