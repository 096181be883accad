import type { PlanRecord } from './commands';
import type { FabricEvent } from './events';
import { LogMap } from './log-map';
import { eventHash, GENESIS_HASH } from './hash-chain';
import type { ActorKey } from './signatures';

export interface EndpointConfig {
  readonly enactors: readonly string[];
  readonly quorum: number;
  readonly minValidPlans: number;
  readonly maxCapacityDropPercent: number;
}

export interface Plan {
  readonly generation: number;
  readonly records: readonly PlanRecord[];
  readonly ttl: number;
  readonly totalWeight: number;
  readonly deleted: boolean;
  /** Seq of its PlanProposed event, to tell plans proposed before an operator override. */
  readonly proposedSeq: number;
}

export interface ActivePlan {
  readonly generation: number;
  readonly activation: number;
}

/** Everything `decide` knows about one endpoint: the fold of its events. */
export interface EndpointState {
  readonly endpointId: string;
  /** Null until EndpointRegistered. */
  readonly config: EndpointConfig | null;
  /** Seq the next event will carry. */
  readonly nextSeq: number;
  /** Offset of the next command record expected on the endpoint's command log. */
  readonly nextCommandOffset: number;
  /** Hash of the last event (GENESIS_HASH before any): the prevHash the next event carries. */
  readonly lastEventHash: string;
  readonly plans: ReadonlyMap<number, Plan>;
  /** Generations of the plans not deleted, ascending: kept so valid plans are found without walking the whole history. */
  readonly undeleted: readonly number[];
  readonly highestProposed: number;
  readonly active: ActivePlan | null;
  /** Seq of the last operator activation; enactors may not apply plans proposed before it. */
  readonly operatorFloorSeq: number;
  /** Enactor id -> the generation it last confirmed (null: none since registration or the last operator activation). */
  readonly confirmed: ReadonlyMap<string, number | null>;
  /** Command id -> offset of the record where it was first decided. */
  readonly decided: ReadonlyMap<string, number>;
  /** Public key -> whose it is: every key the log registered, and the trust roots it revoked. */
  readonly keys: ReadonlyMap<string, ActorKey>;
}

export function initialState(endpointId: string): EndpointState {
  return {
    endpointId,
    config: null,
    nextSeq: 1,
    nextCommandOffset: 0,
    lastEventHash: GENESIS_HASH,
    plans: LogMap.empty(),
    undeleted: [],
    highestProposed: 0,
    active: null,
    operatorFloorSeq: 0,
    confirmed: new Map(),
    decided: LogMap.empty(),
    keys: LogMap.empty(),
  };
}

export function evolve(state: EndpointState, event: FabricEvent): EndpointState {
  const base: EndpointState = {
    ...state,
    nextSeq: event.seq + 1,
    nextCommandOffset: event.commandOffset + 1,
    lastEventHash: eventHash(event),
    decided: recordsDecision(state, event) ? withEntry(state.decided, event.commandId!, event.commandOffset) : state.decided,
  };
  switch (event.type) {
    case 'EndpointRegistered': {
      const { enactors, quorum, minValidPlans, maxCapacityDropPercent, keys = [] } = event.data;
      return {
        ...base,
        config: { enactors, quorum, minValidPlans, maxCapacityDropPercent },
        confirmed: new Map(enactors.map((id) => [id, null])),
        keys: keys.reduce((known, { actor, publicKey }) => withEntry(known, publicKey, { actor, revoked: false }), state.keys),
      };
    }
    case 'PlanProposed': {
      const { generation, records, ttl } = event.data;
      const plan: Plan = {
        generation,
        records,
        ttl,
        totalWeight: records.reduce((sum, record) => sum + record.weight, 0),
        deleted: false,
        proposedSeq: event.seq,
      };
      return {
        ...base,
        plans: withEntry(state.plans, generation, plan),
        undeleted: [...state.undeleted, generation],
        highestProposed: generation,
      };
    }
    case 'PlanActivated': {
      const byOperator = event.data.by.role === 'operator';
      return {
        ...base,
        active: { generation: event.data.generation, activation: event.data.activation },
        operatorFloorSeq: byOperator ? event.seq : state.operatorFloorSeq,
        confirmed: byOperator ? new Map([...state.confirmed.keys()].map((id) => [id, null])) : state.confirmed,
      };
    }
    case 'PlanConfirmed':
      // A plain copy, not a LogMap: it holds one entry per enactor, and is walked on every step (quorum, invariant 4),
      // while a LogMap's walk covers every version ever written.
      return { ...base, confirmed: new Map(state.confirmed).set(event.data.enactorId, event.data.generation) };
    case 'PlanDeleted': {
      const plan = state.plans.get(event.data.generation);
      if (plan === undefined) throw new Error(`evolve: PlanDeleted for unknown generation ${event.data.generation}`);
      return {
        ...base,
        plans: withEntry(state.plans, plan.generation, { ...plan, deleted: true }),
        undeleted: state.undeleted.filter((generation) => generation !== plan.generation),
      };
    }
    case 'ActorKeyRegistered':
      return { ...base, keys: withEntry(state.keys, event.data.publicKey, { actor: event.data.actor, revoked: false }) };
    case 'ActorKeyRevoked':
      return { ...base, keys: withEntry(state.keys, event.data.publicKey, { actor: event.data.actor, revoked: true }) };
    case 'CommandRejected':
    case 'CommandDuplicated':
      return base;
  }
}

export function foldEvents(endpointId: string, events: Iterable<FabricEvent>): EndpointState {
  let state = initialState(endpointId);
  for (const event of events) state = evolve(state, event);
  return state;
}

/** Non-deleted plans at or below the active generation: the live plan and its fallbacks. */
export function validGenerations(state: EndpointState): number[] {
  const active = state.active;
  if (active === null) return [];
  return state.undeleted.filter((generation) => generation <= active.generation);
}

export function deletedGenerations(state: EndpointState): number[] {
  return [...state.plans.values()]
    .filter((plan) => plan.deleted)
    .map((plan) => plan.generation)
    .sort((a, b) => a - b);
}

/** Enactors whose last confirmation is the active generation. */
export function confirmationsOfActive(state: EndpointState): number {
  const active = state.active;
  if (active === null) return 0;
  return [...state.confirmed.values()].filter((generation) => generation === active.generation).length;
}

/**
 * A command id counts as decided once a well-formed, authenticated command
 * carried it. A MALFORMED or NOT_AUTHENTICATED record does not use up its id:
 * redelivered it is refused again (those checks come first), and the real
 * command under the same id is decided on its merits — a forger who guesses
 * an actor's next command id cannot make that command a duplicate.
 */
function recordsDecision(state: EndpointState, event: FabricEvent): boolean {
  if (event.commandId === null || event.type === 'CommandDuplicated' || state.decided.has(event.commandId)) return false;
  return !(event.type === 'CommandRejected' && (event.data.reason === 'MALFORMED' || event.data.reason === 'NOT_AUTHENTICATED'));
}

/** Maps that grow with the log (plans, decided ids) are LogMaps: adding to the newest state is O(1), not a copy. */
function withEntry<K, V>(map: ReadonlyMap<K, V>, key: K, value: V): ReadonlyMap<K, V> {
  return (map instanceof LogMap ? map : LogMap.of(map)).with(key, value);
}
