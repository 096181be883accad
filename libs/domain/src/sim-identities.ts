import type { Actor, Command } from './commands';
import { Ed25519Verifier, signingKeyFromSeed, type SigningKey } from '@plan-fabric/crypto';
import { sha256Hex } from './sha256';
import { signCommand, type Authority } from './signatures';
import type { EndpointState } from './state';

/**
 * Reproducible identities for simulations, fuzzing, model checking and tests:
 * every key derives from a public label, so anyone can forge them. SIM_ROOT is
 * never a trust root of a real stack (the stack's keys come from libs/identity's
 * KeyStore, from random seeds).
 */
export function labelledKey(label: string): SigningKey {
  const hex = sha256Hex(`plan-fabric labelled key\n${label}`);
  return signingKeyFromSeed(Uint8Array.from({ length: 32 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16)));
}

export const SIM_ROOT: SigningKey = labelledKey('sim root');

const simKeys = new Map<string, SigningKey>();

/** The actor's simulation key; operators sign with SIM_ROOT. */
export function simKey(actor: Actor): SigningKey {
  if (actor.role === 'operator') return SIM_ROOT;
  const name = `${actor.role}:${actor.id}`;
  let key = simKeys.get(name);
  if (key === undefined) {
    key = labelledKey(`sim actor ${name}`);
    simKeys.set(name, key);
  }
  return key;
}

const simVerifier = new Ed25519Verifier();

export const SIM_AUTHORITY: Authority = { trustRoots: new Set([SIM_ROOT.publicKey]), verifier: simVerifier };

export function signAsSim<C extends Command>(command: C): C {
  return signCommand(command, simKey(command.actor));
}

/**
 * The state with these actors' simulation keys registered, as if the log had
 * registered them before: for runs that start from a bare endpoint and are
 * about what happens after its keys are set up.
 */
export function withSimKeys(state: EndpointState, actors: readonly Actor[]): EndpointState {
  // Operators sign with SIM_ROOT; a key the endpoint already has (revoked or not) is left as it is.
  const missing = actors.filter((actor) => actor.role !== 'operator' && !state.keys.has(simKey(actor).publicKey));
  if (missing.length === 0) return state;
  return { ...state, keys: new Map([...state.keys, ...missing.map((actor) => [simKey(actor).publicKey, { actor, revoked: false }] as const)]) };
}

/** The `keys` of a RegisterEndpoint that registers these actors' simulation keys with the endpoint. */
export function simKeyEntries(actors: readonly Actor[]): { actor: Actor; publicKey: string }[] {
  return actors.map((actor) => ({ actor, publicKey: simKey(actor).publicKey }));
}
