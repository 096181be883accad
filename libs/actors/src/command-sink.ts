import type { Command } from '@plan-fabric/domain';
import type { Signer } from '@plan-fabric/identity';

/**
 * Where actors send commands. The Kafka CommandPublisher is one (it writes the
 * endpoint's command topic); tests use an in-memory sequencer.
 */
export interface CommandSink {
  publish(command: Command): Promise<unknown>;
}

/** A sink that signs every command with its actor's key before passing it on. */
export function signingSink(sink: CommandSink, signer: Signer): CommandSink {
  return { publish: (command) => sink.publish(signer.sign(command)) };
}
