import { signCommand, simKey, type Actor, type Command, type SigningKey } from '@plan-fabric/domain';
import { actorName } from './keys';

/** Signs commands for the actors whose keys it holds. */
export class Signer {
  private readonly keys = new Map<string, SigningKey>();

  constructor(keys: Iterable<readonly [Actor, SigningKey]> = []) {
    for (const [actor, key] of keys) this.keys.set(actorName(actor), key);
  }

  with(actor: Actor, key: SigningKey): this {
    this.keys.set(actorName(actor), key);
    return this;
  }

  keyOf(actor: Actor): SigningKey {
    const key = this.keys.get(actorName(actor));
    if (key === undefined) {
      throw new Error(`no signing key for ${actorName(actor)}: create one with \`npm run fabric -- keys init\` (or set FABRIC_KEYS_DIR)`);
    }
    return key;
  }

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
