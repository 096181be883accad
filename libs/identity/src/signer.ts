import { signCommand, simKey, type Actor, type Command, type SigningKey } from '@plan-fabric/domain';

/** Signs commands with the key of their actor; which keys it has is the subclass's. */
export abstract class Signer {
  abstract keyOf(actor: Actor): SigningKey;

  sign<C extends Command>(command: C): C {
    return signCommand(command, this.keyOf(command.actor));
  }
}

/** Signs with the reproducible simulation keys (libs/domain sim-identities): for tests and simulations only. */
export class SimSigner extends Signer {
  override keyOf(actor: Actor): SigningKey {
    return simKey(actor);
  }
}
