import { randomBytes } from 'node:crypto';
import { signingKeyFromSeed, type Actor, type SigningKey } from '@plan-fabric/domain';

/** A fresh signing key from 32 random bytes. */
export function generateSigningKey(): { readonly seed: Uint8Array; readonly key: SigningKey } {
  const seed = new Uint8Array(randomBytes(32));
  return { seed, key: signingKeyFromSeed(seed) };
}

export const actorName = (actor: Actor): string => `${actor.role}:${actor.id}`;
