import type { Command } from '@plan-fabric/domain';

/**
 * Where actors send commands. The Kafka CommandPublisher is one (it writes the
 * endpoint's command topic); tests use an in-memory sequencer.
 */
export interface CommandSink {
  publish(command: Command): Promise<unknown>;
}
