import type { Actor, CommandOf, PublicKey } from '@plan-fabric/domain';
import { actorName } from './keys';
import type { Signer } from './signer';

/**
 * The signed operator commands that register actors' public keys on an
 * endpoint; command ids derive from the endpoint, actor and key, so sending
 * them again is a duplicate, not a second registration.
 */
export function keyRegistrations(
  endpointId: string,
  operator: Actor,
  actors: Iterable<readonly [Actor, PublicKey]>,
  signer: Signer,
): CommandOf<'RegisterActorKey'>[] {
  return [...actors].map(([actor, publicKey]) =>
    signer.sign({
      commandId: `key-${actorName(actor)}-${publicKey.slice(0, 16)}`,
      endpointId,
      actor: operator,
      type: 'RegisterActorKey',
      payload: { actor, publicKey },
    }),
  );
}
