import { canonicalJson } from './canonical-json';
import type { Actor, Command } from './commands';
import { decodeBase64Url, encodeBase64Url, isSmallOrder, type PublicKey, type SigningKey } from '@plan-fabric/crypto';
import type { EndpointState } from './state';

/**
 * Who may speak for an actor. A command is signed over its canonical bytes
 * (endpoint and command id included, so a copy on another endpoint or under
 * another id does not verify). The keys that count are the deployment's trust
 * roots (operator authority, given to `decide`) and the actor keys registered
 * on the endpoint's own log by signed operator commands, so a replay of the
 * log with the same roots verifies exactly as the live run did.
 */
export interface Authority {
  /** Public keys of the deployment's root operators: they may sign operator commands on any endpoint. */
  readonly trustRoots: ReadonlySet<PublicKey>;
  readonly verifier: SignatureVerifier;
}

export interface SignatureVerifier {
  verify(publicKey: PublicKey, message: Uint8Array, signature: Uint8Array): boolean;
}

/** A key the endpoint's log registered; `actor` null marks a trust root that was revoked. */
export interface ActorKey {
  readonly actor: Actor | null;
  readonly revoked: boolean;
}

const CONTEXT = 'plan-fabric/command/v1\n';
const utf8 = new TextEncoder();

/** The bytes a command's signature covers: a context string, then the command's canonical JSON without `signature`. */
export function signingBytes(command: Command): Uint8Array {
  const { signature: _signature, ...unsigned } = command;
  return utf8.encode(CONTEXT + canonicalJson(unsigned));
}

/** The command with its signature by `key`. */
export function signCommand<C extends Command>(command: C, key: SigningKey): C {
  return { ...command, signature: { key: key.publicKey, sig: encodeBase64Url(key.sign(signingBytes(command))) } };
}

/** 32 bytes in base64url without padding, and not a point of small order (a key that verifies forgeries). */
export function isPublicKey(text: string): boolean {
  const bytes = text.length === 43 ? decodeBase64Url(text) : null;
  return bytes !== null && bytes.length === 32 && !isSmallOrder(bytes);
}

/** Why the command is not authenticated, or null when its signature is good and its key may speak for its actor. */
export function authenticationProblem(state: EndpointState, command: Command, authority: Authority): string | null {
  const signature = command.signature;
  if (signature === undefined) return 'the command is not signed';
  const key = signature.key;
  const shown = key.length > 12 ? `${key.slice(0, 12)}…` : key;
  const registered = state.keys.get(key);
  if (registered?.revoked === true) return `key ${shown} was revoked`;
  if (registered === undefined && !authority.trustRoots.has(key)) {
    return `key ${shown} is neither registered for endpoint '${state.endpointId}' nor a trust root`;
  }
  const claimed = `${command.actor.role}:${command.actor.id}`;
  if (registered === undefined) {
    if (command.actor.role !== 'operator') return `trust root ${shown} signs only operator commands, not commands of ${claimed}`;
  } else if (registered.actor?.role !== command.actor.role || registered.actor.id !== command.actor.id) {
    return `key ${shown} is ${registered.actor === null ? 'a trust root' : `${registered.actor.role}:${registered.actor.id}`}'s, not ${claimed}'s`;
  }
  const bytes = decodeBase64Url(signature.sig);
  if (bytes === null || bytes.length !== 64) return 'the signature is not 64 bytes of base64url';
  let message: Uint8Array;
  try {
    message = signingBytes(command);
  } catch {
    // A number beyond a double (1e400) parses as Infinity, which has no canonical JSON: no signer could have signed it.
    return 'the command holds a number that has no canonical JSON (beyond a double), so no signature can cover it';
  }
  if (!authority.verifier.verify(key, message, bytes)) return `the signature does not match the command and key ${shown}`;
  return null;
}
