import {
  canonicalJson,
  encodeBase64Url,
  labelledKey,
  signingBytes,
  simKey,
  SIM_AUTHORITY,
  SIM_ROOT,
  type Actor,
  type Authority,
  type Command,
  type EndpointState,
  type PublicKey,
  type SigningKey,
} from '@plan-fabric/domain';

/**
 * The fuzzer's identities. The sequencer under fuzz trusts SIM_ROOT (the
 * simulation trust root); every actor the fuzzer speaks for has its simulation
 * key registered through the log at the start of each episode, and the fuzzer
 * holds a few more keys (labelled, so anyone can rebuild them) to register,
 * rotate and revoke. The oracle for signatures is stated from these, never by
 * asking decide.
 */
export const FUZZ_AUTHORITY: Authority = SIM_AUTHORITY;
export const FUZZ_ROOT = SIM_ROOT;

/** Signing keys the fuzzer holds, by public key. */
const held = new Map<PublicKey, SigningKey>([[SIM_ROOT.publicKey, SIM_ROOT]]);

function hold(key: SigningKey): SigningKey {
  held.set(key.publicKey, key);
  return key;
}

/** An actor's simulation key (SIM_ROOT for operators), held. */
export function actorKey(actor: Actor): SigningKey {
  const key = simKey(actor);
  return held.get(key.publicKey) ?? hold(key);
}

/** Spare keys the fuzzer registers, rotates and revokes: a small pool, so registrations repeat. */
export const SPARE_KEYS = 24;
const spares: SigningKey[] = [];
export function spareKey(n: number): SigningKey {
  let key = spares[n];
  if (key === undefined) {
    key = hold(labelledKey(`fuzz spare key ${n}`));
    spares[n] = key;
  }
  return key;
}

/** A key registered nowhere: what a forger signs with. */
export const STRANGER = hold(labelledKey('fuzz stranger'));

/** The key of a revoked rotation: every episode registers it for the planner, then revokes it. */
export const REVOKED_KEY = hold(labelledKey('fuzz revoked planner key'));

export const sameActor = (a: Actor | null, b: Actor): boolean => a !== null && a.role === b.role && a.id === b.id;

/** Whether a command of `actor` signed (well) with `publicKey` is authenticated on this state: the oracle's reading of the rules. */
export function authenticates(state: EndpointState, actor: Actor, publicKey: string): boolean {
  const registered = state.keys.get(publicKey);
  if (registered !== undefined) return !registered.revoked && sameActor(registered.actor, actor);
  return FUZZ_AUTHORITY.trustRoots.has(publicKey) && actor.role === 'operator';
}

/**
 * The key the fuzzer signs `actor`'s commands with: its simulation key (the
 * trust root for operators) while that authenticates, else any held key
 * registered for it; null when the fuzzer holds none (its commands can only be
 * NOT_AUTHENTICATED).
 */
export function signerFor(state: EndpointState, actor: Actor): SigningKey | null {
  const own = actorKey(actor);
  if (authenticates(state, actor, own.publicKey)) return own;
  for (const [publicKey, entry] of state.keys) {
    const key = held.get(publicKey);
    if (key !== undefined && !entry.revoked && sameActor(entry.actor, actor)) return key;
  }
  return null;
}

/** The signature member for a command document (parsed), by `key`; null when no signer could sign it (a number beyond a double). */
export function signatureFor(command: unknown, key: SigningKey): { key: string; sig: string } | null {
  let bytes: Uint8Array;
  try {
    bytes = signingBytes(command as Command);
  } catch {
    return null;
  }
  return { key: key.publicKey, sig: encodeBase64Url(key.sign(bytes)) };
}

/** 64 bytes that are no one's signature of anything (for commands no signer could sign). */
export function garbageSignature(key: SigningKey, salt: string): { key: string; sig: string } {
  return { key: key.publicKey, sig: encodeBase64Url(key.sign(new TextEncoder().encode(`not a command: ${salt}`))) };
}

/** Whether a parsed document holds a number that has no canonical JSON (it parsed as ±Infinity). */
export function hasNonFiniteNumber(document: unknown): boolean {
  try {
    canonicalJson(document);
    return false;
  } catch {
    return true;
  }
}

/**
 * The actors whose keys every episode registers first (the operator signs with
 * the trust root): the endpoint's cast, and enactors the endpoint does not
 * list, so that their commands are authenticated and then NOT_AUTHORIZED —
 * authentication and authorization stay apart.
 */
export const UNLISTED_ENACTORS = ['e9', 'E1', 'e1 ', '\u0435' + '1', 'op-1', 'enactor-1', 'e1\u0000'] as const;
