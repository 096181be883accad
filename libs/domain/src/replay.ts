import { canonicalJson } from './canonical-json';
import { sequence, type CommandRecord } from './decide';
import type { FabricEvent } from './events';
import { assertStep } from './invariants';
import { initialState, type EndpointState } from './state';

/** Replays a command log from the start; every step is checked against the invariants. */
export function replay(endpointId: string, records: Iterable<CommandRecord>): { events: FabricEvent[]; state: EndpointState } {
  let state = initialState(endpointId);
  const events: FabricEvent[] = [];
  for (const record of records) {
    const before = state;
    const step = sequence(before, record);
    assertStep({ before, event: step.event, after: step.state });
    events.push(step.event);
    state = step.state;
  }
  return { events, state };
}

export function serializeEvent(event: FabricEvent): string {
  return canonicalJson(event);
}
