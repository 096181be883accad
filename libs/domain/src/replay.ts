import { canonicalJson } from './canonical-json';
import { sequence, type CommandRecord } from './decide';
import type { FabricEvent } from './events';
import { assertStep } from './invariants';
import type { Authority } from './signatures';
import { initialState, type EndpointState } from './state';

/** Replays a command log from the start; every step is checked against the invariants. */
export function replay(
  endpointId: string,
  records: Iterable<CommandRecord>,
  authority: Authority,
): { events: FabricEvent[]; state: EndpointState } {
  let state = initialState(endpointId);
  const events: FabricEvent[] = [];
  for (const record of records) {
    const before = state;
    const step = sequence(before, record, authority);
    assertStep({ before, event: step.event, after: step.state });
    events.push(step.event);
    state = step.state;
  }
  return { events, state };
}

export function serializeEvent(event: FabricEvent): string {
  return canonicalJson(event);
}
