/**
 * Decider tests in Emmett's shape: given (commands or events) / when (a command) /
 * then (the event, a rejection or a duplicate).
 *
 * Everything runs through the REAL decide and evolve, and after every step (the
 * given ones too) the helper asserts that
 *  - checkStep finds no invariant violation,
 *  - the event validates against its JSON Schema and survives canonicalJson → parseEvent unchanged,
 *  - a rejection or a duplicate changed nothing but the log position (and, for a rejection, the decided ids).
 */
import { expect } from 'vitest';
import { canonicalJson } from '../canonical-json';
import type { Actor, Command, CommandPayloads, CommandType, PlanRecord } from '../commands';
import { decide, type CommandRecord } from '../decide';
import { outcomeOf, type EventData, type EventType, type FabricEvent } from '../events';
import { parseEvent } from '../event-schema';
import { eventHash } from '../hash-chain';
import { checkStep } from '../invariants';
import type { RejectionReason } from '../reasons';
import { evolve, initialState, type EndpointState } from '../state';
import { SIM_AUTHORITY, SIM_ROOT, signAsSim, simKey, withSimKeys } from '../sim-identities';

export const ENDPOINT = 'ep-1';

export const operator: Actor = { role: 'operator', id: 'op-1' };
export const planner: Actor = { role: 'planner', id: 'planner-1' };
export const janitor: Actor = { role: 'janitor', id: 'janitor-1' };
export const enactor = (id = 'e1'): Actor => ({ role: 'enactor', id });

// ---------------------------------------------------------------- commands

let commandCount = 0;

interface CommandOptions {
  /** Defaults to a fresh id, unique within the test run. */
  readonly id?: string;
  readonly actor?: Actor;
  readonly endpointId?: string;
}

export function command<T extends CommandType>(type: T, payload: CommandPayloads[T], actor: Actor, options: CommandOptions = {}): Command {
  commandCount += 1;
  return {
    commandId: options.id ?? `${type}-${commandCount}`,
    endpointId: options.endpointId ?? ENDPOINT,
    actor: options.actor ?? actor,
    type,
    payload,
  } as Command;
}

/** Three enactors e1..e3, quorum 2, minValidPlans 1, maxCapacityDropPercent 50 unless overridden. */
export function registerEndpoint(payload: Partial<CommandPayloads['RegisterEndpoint']> = {}, options?: CommandOptions): Command {
  return command(
    'RegisterEndpoint',
    { enactors: ['e1', 'e2', 'e3'], quorum: 2, minValidPlans: 1, maxCapacityDropPercent: 50, ...payload },
    operator,
    options,
  );
}

/** Records 192.0.2.1, 192.0.2.2… with these weights. */
export function weights(...values: number[]): PlanRecord[] {
  return values.map((weight, i) => ({ address: `192.0.2.${i + 1}`, weight }));
}

export function proposePlan(
  generation: number,
  plan: { readonly records?: readonly PlanRecord[]; readonly ttl?: number } = {},
  options?: CommandOptions,
): Command {
  return command('ProposePlan', { generation, records: plan.records ?? weights(100), ttl: plan.ttl ?? 60 }, planner, options);
}

export function applyPlan(generation: number, enactorId = 'e1', options?: CommandOptions): Command {
  return command('ApplyPlan', { generation }, enactor(enactorId), options);
}

export function confirmApplied(generation: number, enactorId = 'e1', options?: CommandOptions): Command {
  return command('ConfirmApplied', { generation }, enactor(enactorId), options);
}

export function deletePlan(generation: number, options?: CommandOptions): Command {
  return command('DeletePlan', { generation }, janitor, options);
}

export function operatorActivate(generation: number, reason = 'roll back', options?: CommandOptions): Command {
  return command('OperatorActivate', { generation, reason }, operator, options);
}

// ---------------------------------------------------------------- given items

/** A command record's raw value: for MALFORMED records, or any text at all. */
export interface RawRecord {
  readonly raw: string | null;
}
export const raw = (value: string | null): RawRecord => ({ raw: value });

/** A command in `given` whose outcome may be anything (by default a given command must be accepted). */
export interface Attempt {
  readonly attempt: Command | RawRecord;
}
export const attempt = (item: Command | RawRecord): Attempt => ({ attempt: item });

/** A past event, evolved without decide; seq, endpoint, offset and prevHash are filled in. */
export type GivenEvent = {
  [T in EventType]: { readonly type: T; readonly data: EventData[T]; readonly commandId?: string | null };
}[EventType];

export type GivenItem = Command | RawRecord | Attempt | GivenEvent;
export type WhenItem = Command | RawRecord;

// ---------------------------------------------------------------- running

/**
 * One record through decide and evolve, with every per-step assertion. A
 * command without a signature is signed with its actor's simulation key, and
 * that key is registered first if the endpoint has never seen it (so tests
 * about authority need not set up keys); raw records go as they are.
 */
export function step(state: EndpointState, item: WhenItem): { before: EndpointState; event: FabricEvent; after: EndpointState } {
  const command = 'raw' in item ? null : item.signature === undefined ? signAsSim(item) : item;
  const before = command === null ? state : withSimKeys(state, [command.actor]);
  const record: CommandRecord = { offset: before.nextCommandOffset, value: command === null ? (item as RawRecord).raw : JSON.stringify(command) };
  const event = decide(before, record, SIM_AUTHORITY);
  const after = evolve(before, event);
  assertSound(before, event, after);
  return { before, event, after };
}

export function assertSound(before: EndpointState, event: FabricEvent, after: EndpointState): void {
  expect(checkStep({ before, event, after }), `invariants after ${event.type} at seq ${event.seq}`).toEqual([]);
  const bytes = canonicalJson(event);
  expect(parseEvent(bytes), `${event.type} at seq ${event.seq} against its schema`).toEqual(event);
  if (outcomeOf(event) !== 'accepted') {
    const decided = event.type === 'CommandRejected' ? after.decided : before.decided;
    expect(snapshot(after), `a ${event.type} changes nothing but the log position`).toEqual(
      snapshot({ ...before, nextSeq: event.seq + 1, nextCommandOffset: event.commandOffset + 1, lastEventHash: eventHash(event), decided }),
    );
  }
}

/** The state as plain JSON (maps as sorted entry lists), to compare and to hash. */
export function snapshot(state: EndpointState): unknown {
  const entries = <K, V>(map: ReadonlyMap<K, V>) => [...map.entries()].sort(([a], [b]) => (String(a) < String(b) ? -1 : 1));
  return JSON.parse(
    canonicalJson({
      ...state,
      plans: entries(state.plans),
      confirmed: entries(state.confirmed),
      decided: entries(state.decided),
      keys: entries(state.keys),
    }),
  );
}

export interface Scenario {
  readonly state: EndpointState;
  /** Every event so far, the given ones included. */
  readonly events: readonly FabricEvent[];
  when(item: WhenItem): Outcome;
}

export interface Outcome {
  readonly before: EndpointState;
  readonly event: FabricEvent;
  readonly after: EndpointState;
  readonly events: readonly FabricEvent[];
  /** The command's state event: exactly this type and data (and commandId, when given). */
  then(expected: GivenEvent): Outcome;
  thenRejected(reason: RejectionReason, detail?: string | RegExp): Outcome;
  thenDuplicate(firstOffset: number): Outcome;
}

/** The actors whose simulation keys every `given` endpoint starts with (others are registered on first use). */
export const CAST: readonly Actor[] = [planner, janitor, enactor('e1'), enactor('e2'), enactor('e3')];

export function given(...items: GivenItem[]): Scenario {
  let state = withSimKeys(initialState(ENDPOINT), CAST);
  const events: FabricEvent[] = [];
  for (const item of items) {
    if ('data' in item) {
      const event = {
        seq: state.nextSeq,
        endpointId: state.endpointId,
        commandOffset: state.nextCommandOffset,
        commandId: item.commandId === undefined ? `given-${state.nextSeq}` : item.commandId,
        prevHash: state.lastEventHash,
        type: item.type,
        data: item.data,
      } as FabricEvent;
      const after = evolve(state, event);
      assertSound(state, event, after);
      events.push(event);
      state = after;
      continue;
    }
    const strict = !('attempt' in item);
    const { event, after } = step(state, 'attempt' in item ? item.attempt : item);
    if (strict) {
      expect(outcomeOf(event), `given ${'raw' in item ? 'record' : item.type} must be accepted: ${canonicalJson(event.data)}`).toBe(
        'accepted',
      );
    }
    events.push(event);
    state = after;
  }
  return {
    state,
    events,
    when(item: WhenItem): Outcome {
      const { before, event, after } = step(state, item);
      return outcome(before, event, after, [...events, event]);
    },
  };
}

function outcome(before: EndpointState, event: FabricEvent, after: EndpointState, events: readonly FabricEvent[]): Outcome {
  const self: Outcome = {
    before,
    event,
    after,
    events,
    then(expected) {
      const actual: Record<string, unknown> = { type: event.type, data: event.data };
      const wanted: Record<string, unknown> = { type: expected.type, data: expected.data };
      if (expected.commandId !== undefined) {
        actual['commandId'] = event.commandId;
        wanted['commandId'] = expected.commandId;
      }
      expect(actual).toEqual(wanted);
      return self;
    },
    thenRejected(reason, detail) {
      expect({ type: event.type, reason: event.type === 'CommandRejected' ? event.data.reason : null }).toEqual({
        type: 'CommandRejected',
        reason,
      });
      if (event.type === 'CommandRejected' && detail !== undefined) {
        if (typeof detail === 'string') expect(event.data.detail).toBe(detail);
        else expect(event.data.detail).toMatch(detail);
      }
      return self;
    },
    thenDuplicate(firstOffset) {
      expect({ type: event.type, data: event.data }).toEqual({ type: 'CommandDuplicated', data: { firstOffset } });
      return self;
    },
  };
  return self;
}

/** A command as the record text a producer would write. */
export const recordOf = (item: Command, offset: number): CommandRecord => ({ offset, value: JSON.stringify(item) });

/**
 * A command log that reaches every event type and every rejection reason, with
 * malformed records and redeliveries among them, as records at offsets 0, 1, 2…
 */
export function everyOutcomeLog(): CommandRecord[] {
  const p1 = proposePlan(1, { records: weights(60, 40) }, { id: 'p1' });
  const keyOfE3 = registerKey(enactor('e3'));
  const items: WhenItem[] = [
    raw('{"not": "a command"'), // MALFORMED before anything
    raw(JSON.stringify(proposePlan(1))), // NOT_AUTHENTICATED: unsigned
    ...[planner, janitor, enactor('e1'), enactor('e2'), enactor('e9')].map((actor) => registerKey(actor)),
    keyOfE3,
    registerKey(enactor('e3'), { id: 'key-again' }), // INVALID_KEY_CHANGE: already registered
    applyPlan(1, 'e1', { id: 'early-apply' }), // UNKNOWN_ENDPOINT
    registerEndpoint({ enactors: ['e1', 'e1'] }), // INVALID_REGISTRATION
    registerEndpoint({ quorum: 2, minValidPlans: 2, maxCapacityDropPercent: 50 }, { id: 'reg' }),
    registerEndpoint({}, { id: 'reg-again' }), // ALREADY_REGISTERED
    applyPlan(1, 'e1', { id: 'early-apply' }), // CommandDuplicated of a rejection
    p1,
    p1, // CommandDuplicated of an acceptance
    proposePlan(1), // GENERATION_NOT_INCREASING
    proposePlan(2, { records: [] }), // INVALID_PLAN
    proposePlan(2, {}, { actor: operator }), // NOT_AUTHORIZED (role)
    applyPlan(1, 'e9'), // NOT_AUTHORIZED (unregistered enactor)
    deletePlan(1), // DELETE_ACTIVE_PLAN (nothing active)
    confirmApplied(1), // STALE_GENERATION (nothing active)
    applyPlan(1, 'e1'),
    applyPlan(1, 'e2'), // ALREADY_ACTIVE
    applyPlan(7), // UNKNOWN_PLAN
    proposePlan(2, { records: weights(50, 50) }),
    proposePlan(3, { records: weights(10) }),
    proposePlan(4, { records: weights(100) }),
    applyPlan(2, 'e2'),
    confirmApplied(2, 'e1'),
    confirmApplied(1, 'e1'), // OUT_OF_ORDER_CONFIRMATION
    applyPlan(1, 'e3'), // STALE_GENERATION (below active)
    applyPlan(3, 'e3'), // CAPACITY_DROP_TOO_LARGE
    deletePlan(1), // WOULD_LEAVE_NO_VALID_PLAN (minValidPlans 2, valid {1, 2})
    applyPlan(4, 'e3'),
    deletePlan(1), // QUORUM_NOT_REACHED
    confirmApplied(4, 'e1'),
    confirmApplied(4, 'e3'),
    deletePlan(1),
    deletePlan(1), // PLAN_DELETED
    operatorActivate(2, 'plan 4 is bad'),
    applyPlan(4, 'e1'), // STALE_GENERATION (proposed before the operator activation)
    raw(null), // MALFORMED: no value
    proposePlan(5, { records: weights(70, 30) }),
    applyPlan(5, 'e2'),
    command('RevokeActorKey', { publicKey: simKey(janitor).publicKey }, operator, { id: 'revoke-janitor' }),
    deletePlan(2), // NOT_AUTHENTICATED: revoked key
    command('RevokeActorKey', { publicKey: SIM_ROOT.publicKey }, operator), // INVALID_KEY_CHANGE: the last operator key
  ];
  return items.map((item, offset) => ({ offset, value: 'raw' in item ? item.raw : JSON.stringify(signAsSim(item)) }));
}

/** The operator's command registering the actor's simulation key. */
export function registerKey(actor: Actor, options?: CommandOptions): Command {
  return command('RegisterActorKey', { actor, publicKey: simKey(actor).publicKey }, operator, options);
}
