import { COMMAND_TYPES, type Actor, type CommandType, type EndpointState } from '@plan-fabric/domain';
import { accepted, rejected, WELL_FORMED, type Expectation } from './expectations';
import { actorKey, authenticates, FUZZ_AUTHORITY, FUZZ_ROOT, REVOKED_KEY, sameActor, signerFor, SPARE_KEYS, spareKey, UNLISTED_ENACTORS } from './fuzz-keys';
import { type Doc, type JsonNode } from './json-text';
import type { Prng } from './prng';

/** Actors of the fuzzed endpoint; enactors are read from the state once it is registered. */
export const FUZZ_ACTORS = {
  operator: { role: 'operator', id: 'op-1' },
  planner: { role: 'planner', id: 'planner-1' },
  janitor: { role: 'janitor', id: 'janitor-1' },
} as const;
export const SETUP_ENACTORS = ['e1', 'e2', 'e3'] as const;

/** Every actor whose key an episode registers first: the endpoint's cast, and enactors it does not list. */
export const KEYED_ACTORS: readonly Actor[] = [
  FUZZ_ACTORS.planner,
  FUZZ_ACTORS.janitor,
  ...SETUP_ENACTORS.map((id): Actor => ({ role: 'enactor', id })),
  ...UNLISTED_ENACTORS.map((id): Actor => ({ role: 'enactor', id })),
];

/** The actors whose commands the generators build: each must keep a key the fuzzer holds (revocations that would leave one without are not generated). */
export const CAST: readonly Actor[] = [FUZZ_ACTORS.operator, ...KEYED_ACTORS];

/** The key command types: taken before the endpoint is registered. */
export const KEY_TYPES: readonly CommandType[] = ['RegisterActorKey', 'RevokeActorKey'];
export const isKeyType = (type: CommandType): boolean => KEY_TYPES.includes(type);

/** What the generator knows of the endpoint: its id and the state decided so far. */
export interface Target {
  readonly endpointId: string;
  readonly state: EndpointState;
}

export const isRegistered = (target: Target): boolean => target.state.config !== null;

/** The endpoint's enactors the fuzzer holds a key for (a hostile registration may list enactors no one has a key of). */
function enactorsOf(target: Target): readonly string[] {
  const enactors = (target.state.config?.enactors ?? []).filter((id) => signerFor(target.state, { role: 'enactor', id }) !== null);
  return enactors.length > 0 ? enactors : SETUP_ENACTORS;
}

function envelope(endpointId: string, commandId: string, type: CommandType, actor: { role: string; id: string }, payload: Doc): Doc {
  return { commandId, endpointId, actor: { role: actor.role, id: actor.id }, type, payload };
}

/** Distinct addresses, each in the one spelling the domain keeps (so none repeats another). */
export function addresses(rng: Prng, count: number): string[] {
  const out = new Set<string>();
  while (out.size < count) {
    out.add(
      rng.chance(0.8)
        ? `${rng.pick([10, 172, 192, 198, 203])}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`
        : `2001:db8:${rng.int(1, 0xffff).toString(16)}:${rng.int(1, 0xffff).toString(16)}:1:2:3:${rng.int(1, 0xffff).toString(16)}`,
    );
  }
  return [...out];
}

const existingGenerations = (target: Target): number[] => [...target.state.plans.keys()];

/** A structurally valid command of `type` (random by default) that fits the endpoint's state. */
export function validDoc(rng: Prng, target: Target, commandId: string, type: CommandType = rng.pick(COMMAND_TYPES)): Doc {
  const state = target.state;
  const generations = existingGenerations(target);
  const someGeneration = () => (generations.length > 0 ? rng.pick(generations) : 1);
  const enactor = () => ({ role: 'enactor', id: rng.pick(enactorsOf(target)) });
  switch (type) {
    case 'RegisterEndpoint': {
      const enactors = SETUP_ENACTORS.slice(0, rng.int(1, 3));
      return envelope(target.endpointId, commandId, type, FUZZ_ACTORS.operator, {
        enactors: [...enactors],
        quorum: rng.int(1, enactors.length),
        minValidPlans: rng.int(1, 2),
        maxCapacityDropPercent: rng.int(0, 100),
      });
    }
    case 'ProposePlan': {
      const count = rng.int(1, 4);
      return envelope(target.endpointId, commandId, type, FUZZ_ACTORS.planner, {
        generation: Math.min(state.highestProposed + rng.int(1, 3), Number.MAX_SAFE_INTEGER),
        records: addresses(rng, count).map((address) => ({ address, weight: rng.int(1, 100) })),
        ttl: rng.pick([1, 30, 60, 300, 86400]),
      });
    }
    case 'ApplyPlan': {
      const newest = generations.length > 0 ? Math.max(...generations) : 1;
      return envelope(target.endpointId, commandId, type, enactor(), { generation: rng.chance(0.6) ? newest : someGeneration() });
    }
    case 'ConfirmApplied':
      return envelope(target.endpointId, commandId, type, enactor(), {
        generation: state.active !== null && rng.chance(0.7) ? state.active.generation : someGeneration(),
      });
    case 'DeletePlan':
      return envelope(target.endpointId, commandId, type, FUZZ_ACTORS.janitor, { generation: someGeneration() });
    case 'OperatorActivate':
      return envelope(target.endpointId, commandId, type, FUZZ_ACTORS.operator, {
        generation: someGeneration(),
        reason: rng.pick(['roll back after the incident', 'capacity override', 'r']),
      });
    case 'RegisterActorKey': {
      const actor = rng.pick(CAST);
      return envelope(target.endpointId, commandId, type, FUZZ_ACTORS.operator, {
        actor: { role: actor.role, id: actor.id },
        publicKey: spareKey(rng.int(0, SPARE_KEYS - 1)).publicKey,
      });
    }
    case 'RevokeActorKey': {
      const safe = safeRevocations(state);
      const publicKey =
        safe.length > 0 && rng.chance(0.7) ? rng.pick(safe) : rng.pick([REVOKED_KEY.publicKey, spareKey(rng.int(0, SPARE_KEYS - 1)).publicKey, FUZZ_ROOT.publicKey]);
      // An unsafe revocation that the oracle says would be taken is not generated: a cast actor would lose its last key.
      const chosen = safe.includes(publicKey) || keyChangeExpectation(state, 'RevokeActorKey', publicKey).kind !== 'accepted' ? publicKey : REVOKED_KEY.publicKey;
      return envelope(target.endpointId, commandId, type, FUZZ_ACTORS.operator, { publicKey: chosen });
    }
  }
}

/**
 * Keys whose revocation the sequencer would take and that leave every cast
 * actor and every listed enactor a key the fuzzer holds: the live registered
 * keys and the trust root, less those one of them could not sign without.
 */
export function safeRevocations(state: EndpointState): string[] {
  const candidates = [...state.keys].filter(([, entry]) => !entry.revoked).map(([publicKey]) => publicKey);
  if (state.keys.get(FUZZ_ROOT.publicKey) === undefined) candidates.push(FUZZ_ROOT.publicKey);
  // The cast, and the enactors the endpoint lists (a hostile registration may list others; the runner keys them).
  const kept = [...CAST, ...(state.config?.enactors ?? []).map((id): Actor => ({ role: 'enactor', id }))];
  return candidates.filter((publicKey) => {
    if (keyChangeExpectation(state, 'RevokeActorKey', publicKey).kind !== 'accepted') return false;
    const revoked = new Map(state.keys);
    revoked.set(publicKey, { actor: state.keys.get(publicKey)?.actor ?? null, revoked: true });
    const after = { ...state, keys: revoked };
    return kept.every((actor) => signerFor(after, actor) !== null);
  });
}

/**
 * The outcome of a key command for a well-formed public key (any 32-byte key
 * the fuzzer holds), from the rules as DESIGN.md states them: a key is
 * registered once, never again once revoked, never a trust root; a revocation
 * names a live registered key or trust root and leaves an operator key.
 */
export function keyChangeExpectation(state: EndpointState, type: 'RegisterActorKey' | 'RevokeActorKey', publicKey: string): Expectation {
  const entry = state.keys.get(publicKey);
  const isRoot = FUZZ_AUTHORITY.trustRoots.has(publicKey);
  if (type === 'RegisterActorKey') return entry !== undefined || isRoot ? rejected('INVALID_KEY_CHANGE') : accepted('ActorKeyRegistered');
  if (entry?.revoked === true || (entry === undefined && !isRoot)) return rejected('INVALID_KEY_CHANGE');
  const operatorKeysLeft =
    [...state.keys].filter(([other, key]) => other !== publicKey && !key.revoked && key.actor?.role === 'operator').length +
    [...FUZZ_AUTHORITY.trustRoots].filter((root) => root !== publicKey && state.keys.get(root)?.revoked !== true).length;
  return operatorKeysLeft === 0 ? rejected('INVALID_KEY_CHANGE') : accepted('ActorKeyRevoked');
}

/** The expectation unless the command's actor has no key the fuzzer holds that authenticates it: then NOT_AUTHENTICATED. */
export function authenticated(target: Target, actor: Actor, expect: Expectation): Expectation {
  return signerFor(target.state, actor) === null ? rejected('NOT_AUTHENTICATED') : expect;
}

/** Whether a command of `actor` signed with `publicKey` is authenticated now (a redelivery after a revocation is not). */
export function stillAuthentic(target: Target, actor: Actor, publicKey: string): boolean {
  return authenticates(target.state, actor, publicKey);
}

/**
 * The episode's first records, before anything else: the operator (the trust
 * root) registers the key of every keyed actor, then rotates the planner's
 * key once — registers REVOKED_KEY for it and revokes that — so a revoked key
 * is always at hand.
 */
export function keyDocs(endpointId: string, idPrefix: string): Doc[] {
  const docs = KEYED_ACTORS.map((actor, i) =>
    envelope(endpointId, `${idPrefix}-key-${i}`, 'RegisterActorKey', FUZZ_ACTORS.operator, {
      actor: { role: actor.role, id: actor.id },
      publicKey: actorKey(actor).publicKey,
    }),
  );
  docs.push(
    envelope(endpointId, `${idPrefix}-key-rotated`, 'RegisterActorKey', FUZZ_ACTORS.operator, {
      actor: { role: FUZZ_ACTORS.planner.role, id: FUZZ_ACTORS.planner.id },
      publicKey: REVOKED_KEY.publicKey,
    }),
    envelope(endpointId, `${idPrefix}-key-revoked`, 'RevokeActorKey', FUZZ_ACTORS.operator, { publicKey: REVOKED_KEY.publicKey }),
  );
  return docs;
}

export { sameActor };

/** The expectation for a structurally valid command with a fresh id, before its own checks are known. */
export function validExpectation(target: Target, type: CommandType, doc?: Doc): Expectation {
  if (doc !== undefined && (type === 'RegisterActorKey' || type === 'RevokeActorKey')) {
    return keyChangeExpectation(target.state, type, (doc['payload'] as Doc)['publicKey'] as string);
  }
  return !isRegistered(target) && type !== 'RegisterEndpoint' && !isKeyType(type) ? rejected('UNKNOWN_ENDPOINT') : WELL_FORMED;
}

/** The endpoint's first records in every episode: registered with three enactors, plans 1 and 2, plan 2 active. */
export function setupDocs(endpointId: string, idPrefix: string): Doc[] {
  const record = (address: string, weight: number) => ({ address, weight });
  return [
    envelope(endpointId, `${idPrefix}-register`, 'RegisterEndpoint', FUZZ_ACTORS.operator, {
      enactors: [...SETUP_ENACTORS],
      quorum: 2,
      minValidPlans: 1,
      maxCapacityDropPercent: 50,
    }),
    envelope(endpointId, `${idPrefix}-propose-1`, 'ProposePlan', FUZZ_ACTORS.planner, {
      generation: 1,
      records: [record('192.0.2.1', 10), record('192.0.2.2', 10)],
      ttl: 60,
    }),
    envelope(endpointId, `${idPrefix}-propose-2`, 'ProposePlan', FUZZ_ACTORS.planner, {
      generation: 2,
      records: [record('192.0.2.1', 10), record('192.0.2.3', 10)],
      ttl: 60,
    }),
    envelope(endpointId, `${idPrefix}-apply-1`, 'ApplyPlan', { role: 'enactor', id: 'e1' }, { generation: 1 }),
    envelope(endpointId, `${idPrefix}-confirm-1-e1`, 'ConfirmApplied', { role: 'enactor', id: 'e1' }, { generation: 1 }),
    envelope(endpointId, `${idPrefix}-confirm-1-e2`, 'ConfirmApplied', { role: 'enactor', id: 'e2' }, { generation: 1 }),
    envelope(endpointId, `${idPrefix}-apply-2`, 'ApplyPlan', { role: 'enactor', id: 'e2' }, { generation: 2 }),
  ];
}

/** The numeric payload fields of a command: the ones whose well-typed, out-of-range values the command itself must judge. */
export function numericPaths(doc: Doc): (readonly (string | number)[])[] {
  const payload = doc['payload'] as Doc;
  switch (doc['type'] as CommandType) {
    case 'RegisterEndpoint':
      return [['payload', 'quorum'], ['payload', 'minValidPlans'], ['payload', 'maxCapacityDropPercent']];
    case 'ProposePlan':
      return [
        ['payload', 'generation'],
        ['payload', 'ttl'],
        ...(payload['records'] as JsonNode[]).map((_, index) => ['payload', 'records', index, 'weight']),
      ];
    case 'RegisterActorKey':
    case 'RevokeActorKey':
      return [];
    default:
      return [['payload', 'generation']];
  }
}

const isSafe = (value: number) => Number.isSafeInteger(value);
const isPositiveSafe = (value: number) => Number.isSafeInteger(value) && value > 0;

/**
 * The outcome of a valid command (built by validDoc, so its actor may issue it)
 * whose numeric field at `path` now holds `value`: a reference model of the
 * checks DESIGN.md lists, in their order, kept apart from decide's code.
 */
export function numericExpectation(target: Target, doc: Doc, path: readonly (string | number)[], value: number): Expectation {
  const type = doc['type'] as CommandType;
  const state = target.state;
  // A number beyond a double parses as ±Infinity, which has no canonical JSON: no signer could have signed the command.
  if (!Number.isFinite(value)) return rejected('NOT_AUTHENTICATED');
  if (!isRegistered(target) && type !== 'RegisterEndpoint') return rejected('UNKNOWN_ENDPOINT');
  const payload = doc['payload'] as Doc;
  const field = path[path.length - 1];
  const number = (name: string) => (name === field && path.length === 2 ? value : (payload[name] as number));
  switch (type) {
    case 'RegisterEndpoint': {
      if (isRegistered(target)) return rejected('ALREADY_REGISTERED');
      const enactors = (payload['enactors'] as string[]).length;
      const quorum = number('quorum');
      const minValidPlans = number('minValidPlans');
      const percent = number('maxCapacityDropPercent');
      const valid =
        isSafe(quorum) && quorum >= 1 && quorum <= enactors && isSafe(minValidPlans) && minValidPlans >= 1 && isSafe(percent) && percent >= 0 && percent <= 100;
      return valid ? accepted('EndpointRegistered') : rejected('INVALID_REGISTRATION');
    }
    case 'ProposePlan': {
      const generation = number('generation');
      const ttl = number('ttl');
      const weights = (payload['records'] as Doc[]).map((record, index) =>
        path.length === 4 && path[2] === index ? value : (record['weight'] as number),
      );
      if (!isPositiveSafe(generation) || !isSafe(ttl) || ttl < 1 || ttl > 86400 || !weights.every(isPositiveSafe)) return rejected('INVALID_PLAN');
      return generation <= state.highestProposed ? rejected('GENERATION_NOT_INCREASING') : accepted('PlanProposed');
    }
    case 'ApplyPlan':
    case 'DeletePlan':
    case 'OperatorActivate':
      return state.plans.has(value) ? WELL_FORMED : rejected('UNKNOWN_PLAN');
    case 'ConfirmApplied':
      return state.active !== null && value === state.active.generation
        ? WELL_FORMED
        : rejected('OUT_OF_ORDER_CONFIRMATION', 'STALE_GENERATION');
    case 'RegisterActorKey':
    case 'RevokeActorKey':
      throw new Error(`numericExpectation: ${type} has no numeric field`);
  }
}
