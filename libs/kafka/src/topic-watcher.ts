import type { Admin } from 'kafkajs';
import type { Logger } from '@plan-fabric/config';

/**
 * Finds endpoint topics as they are created: lists topics every `intervalMs`
 * and calls `onEndpoint` once for each endpoint whose topic matches. kafkajs
 * resolves subscriptions only when a consumer starts, so services that serve
 * every endpoint start one worker per endpoint found here.
 */
export class TopicWatcher {
  private readonly seen = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly admin: Admin,
    private readonly endpointOf: (topic: string) => string | null,
    private readonly onEndpoint: (endpointId: string) => Promise<void>,
    private readonly logger: Logger,
    private readonly intervalMs = 500,
    private readonly startConcurrency = 8,
  ) {}

  async start(): Promise<void> {
    await this.scan();
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.scan());
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async scan(): Promise<void> {
    let topics: string[];
    try {
      topics = await this.admin.listTopics();
    } catch (error) {
      this.logger.warn('listing topics failed; will retry', { error });
      return;
    }
    const found: string[] = [];
    for (const topic of topics.sort()) {
      const endpointId = this.endpointOf(topic);
      if (endpointId === null || this.seen.has(endpointId)) continue;
      this.seen.add(endpointId);
      found.push(endpointId);
    }
    // Start a few at a time: a broker holding many endpoints should not make start-up take minutes.
    for (let i = 0; i < found.length; i += this.startConcurrency) {
      await Promise.all(found.slice(i, i + this.startConcurrency).map((endpointId) => this.startOne(endpointId)));
    }
  }

  private async startOne(endpointId: string): Promise<void> {
    try {
      await this.onEndpoint(endpointId);
    } catch (error) {
      this.seen.delete(endpointId);
      this.logger.error('starting work for endpoint failed; will retry', { endpointId, error });
    }
  }
}
