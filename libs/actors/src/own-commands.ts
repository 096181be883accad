import type { Command, FabricEvent, Outcome, RejectionReason } from '@plan-fabric/domain';
import { outcomeOf } from '@plan-fabric/domain';

/** The decided outcome of a command this actor sent. */
export interface OwnOutcome {
  readonly commandId: string;
  readonly type: Command['type'];
  readonly generation: number | null;
  readonly outcome: Outcome;
  readonly reason: RejectionReason | null;
  readonly seq: number;
}

/**
 * Commands this actor process sent and is waiting to hear about. An actor
 * learns what became of its commands only from the events log — the
 * sequencer's outcome for its command id — never from the send itself.
 */
export class OwnCommands {
  private readonly pending = new Map<string, { type: Command['type']; generation: number | null }>();

  sent(command: Command): void {
    const generation = 'generation' in command.payload ? command.payload.generation : null;
    this.pending.set(command.commandId, { type: command.type, generation });
  }

  /** The outcome this event carries for one of our commands, or null. */
  settle(event: FabricEvent): OwnOutcome | null {
    if (event.commandId === null) return null;
    const sent = this.pending.get(event.commandId);
    if (sent === undefined) return null;
    this.pending.delete(event.commandId);
    return {
      commandId: event.commandId,
      type: sent.type,
      generation: sent.generation,
      outcome: outcomeOf(event),
      reason: event.type === 'CommandRejected' ? event.data.reason : null,
      seq: event.seq,
    };
  }
}
