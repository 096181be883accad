import {
  assertStep,
  canonicalJson,
  initialState,
  sequence,
  signAsSim,
  SIM_AUTHORITY,
  withSimKeys,
  type Command,
  type EndpointState,
  type FabricEvent,
} from '@plan-fabric/domain';
import type { CommandSink } from '../command-sink';
import type { DnsBackend, RecordSet, RecordSetWrite, WriteResult } from '../dns-backend';
import type { EventHandler, EventSource } from '../event-source';

/**
 * One endpoint's fabric in memory, for unit tests of the actors: commands are
 * sequenced in arrival order by the real `sequence` (decide + evolve, every
 * step checked against the invariants) and the events reach each subscriber
 * asynchronously, in order, as they would from Kafka. It stands in for the
 * actors' signing too: an unsigned command is signed with its actor's
 * simulation key, registered with the endpoint on first use.
 */
export class InMemoryFabric implements CommandSink {
  private state: EndpointState;
  readonly events: FabricEvent[] = [];
  private readonly subscribers = new Set<EventHandler>();
  private offset = 0;

  constructor(readonly endpointId: string) {
    this.state = initialState(endpointId);
  }

  get decided(): EndpointState {
    return this.state;
  }

  async publish(command: Command): Promise<{ offset: number }> {
    const offset = this.offset++;
    const signed = command.signature === undefined ? signAsSim(command) : command;
    const before = withSimKeys(this.state, [command.actor]);
    const step = sequence(before, { offset, value: canonicalJson(signed) }, SIM_AUTHORITY);
    assertStep({ before, event: step.event, after: step.state });
    this.state = step.state;
    this.events.push(step.event);
    const record = { value: canonicalJson(step.event), offset: this.events.length - 1 };
    for (const subscriber of this.subscribers) setImmediate(() => subscriber(step.event, record));
    return { offset };
  }

  /** An event source over this fabric: replays what was decided so far, then follows. */
  source(): EventSource {
    let handler: EventHandler | null = null;
    return {
      start: async (onEvent) => {
        handler = onEvent;
        this.events.forEach((event, offset) => onEvent(event, { value: canonicalJson(event), offset }));
        this.subscribers.add(onEvent);
      },
      stop: async () => {
        if (handler !== null) this.subscribers.delete(handler);
      },
    };
  }
}

/** A fenced DNS backend in memory, with the same rule as PgDnsBackend. */
export class InMemoryDnsBackend implements DnsBackend {
  private readonly sets = new Map<string, RecordSet>();
  readonly log: { endpointId: string; write: RecordSetWrite; writer: string; accepted: boolean; heldActivation: number | null }[] = [];

  async write(endpointId: string, write: RecordSetWrite, writer: string): Promise<WriteResult> {
    const held = this.sets.get(endpointId);
    const heldActivation = held?.activation ?? null;
    let accepted: boolean;
    if (held === undefined || held.activation < write.activation) {
      this.sets.set(endpointId, { endpointId, ...write, writtenBy: writer });
      accepted = true;
    } else {
      accepted = held.activation === write.activation && held.generation === write.generation;
    }
    this.log.push({ endpointId, write, writer, accepted, heldActivation });
    return { accepted, heldActivation };
  }

  async read(endpointId: string): Promise<RecordSet | null> {
    return this.sets.get(endpointId) ?? null;
  }
}
