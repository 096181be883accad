import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBase64Url, encodeBase64Url, Ed25519Verifier, isPublicKey, signingKeyFromSeed, type Actor, type Authority, type PublicKey, type SigningKey } from '@plan-fabric/domain';
import { actorName, generateSigningKey } from './keys';
import { Signer } from './signer';

/**
 * Signing keys kept as files in one directory outside the repository
 * (FABRIC_KEYS_DIR, default $PLAN_FABRIC_HOME/keys), mode 0600:
 *   root.key                the root operator's seed (base64url); its public key is in trust-roots
 *   trust-roots             public keys the sequencer and audits trust, one per line
 *   actors/<role>:<id>.key  an actor's seed; actors/<role>:<id>.pub its public key
 * A seed is never printed or logged. On a real deployment each service holds
 * only its own .key, and the operator holds root.key offline.
 */
export class KeyStore {
  constructor(readonly dir: string) {}

  /** Creates the directory and the root key if missing; returns the root's public key. */
  init(): PublicKey {
    mkdirSync(join(this.dir, 'actors'), { recursive: true, mode: 0o700 });
    const rootFile = join(this.dir, 'root.key');
    if (!existsSync(rootFile)) {
      const { seed, key } = generateSigningKey();
      writeSecret(rootFile, encodeBase64Url(seed));
      writeFileSync(join(this.dir, 'trust-roots'), `${key.publicKey}\n`, { mode: 0o644 });
    }
    return this.rootKey().publicKey;
  }

  rootKey(): SigningKey {
    return readSeed(join(this.dir, 'root.key'), 'the root operator key');
  }

  /** The trust roots listed in the directory (the root key's, and any added by a rotation). */
  trustRoots(): PublicKey[] {
    const file = join(this.dir, 'trust-roots');
    if (!existsSync(file)) throw new Error(`no trust roots at ${file}: run \`npm run fabric -- keys init\` or set FABRIC_TRUST_ROOTS`);
    const roots = readFileSync(file, 'utf8').split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
    return checkedRoots(roots, file);
  }

  /** The actor's key, created on first use. */
  actorKey(actor: Actor): SigningKey {
    const file = this.actorFile(actor, 'key');
    if (!existsSync(file)) this.writeNewActorKey(actor);
    return readSeed(file, `the key of ${actorName(actor)}`);
  }

  /** Replaces the actor's key by a new one (the old one stays valid until an operator revokes it). */
  rotateActorKey(actor: Actor): { readonly previous: PublicKey | null; readonly key: SigningKey } {
    const file = this.actorFile(actor, 'key');
    const previous = existsSync(file) ? readSeed(file, `the key of ${actorName(actor)}`).publicKey : null;
    return { previous, key: this.writeNewActorKey(actor) };
  }

  /** A fresh key for the actor: its seed (0600) and its public key, replacing any before. */
  private writeNewActorKey(actor: Actor): SigningKey {
    mkdirSync(join(this.dir, 'actors'), { recursive: true, mode: 0o700 });
    const { seed, key } = generateSigningKey();
    writeSecret(this.actorFile(actor, 'key'), encodeBase64Url(seed));
    writeFileSync(this.actorFile(actor, 'pub'), `${key.publicKey}\n`, { mode: 0o644 });
    return key;
  }

  /** Actors with a key in the directory. */
  actors(): Actor[] {
    const dir = join(this.dir, 'actors');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => name.endsWith('.key'))
      .map((name) => {
        const [role, ...id] = name.slice(0, -'.key'.length).split(':');
        return { role, id: id.join(':') } as Actor;
      });
  }

  private actorFile(actor: Actor, extension: 'key' | 'pub'): string {
    if (!/^[A-Za-z0-9._-]+$/.test(actor.id)) throw new Error(`actor id '${actor.id}' cannot name a key file (use letters, digits, . _ -)`);
    return join(this.dir, 'actors', `${actorName(actor)}.${extension}`);
  }
}

/** The authority a sequencer or an audit decides with: the configured trust roots, or the key directory's. */
export function authorityFrom(config: { readonly keysDir: string; readonly trustRoots: readonly string[] | null }): Authority {
  const roots = config.trustRoots === null ? new KeyStore(config.keysDir).trustRoots() : checkedRoots(config.trustRoots, 'FABRIC_TRUST_ROOTS');
  return { trustRoots: new Set(roots), verifier: new Ed25519Verifier() };
}

/** The roots, if each is an Ed25519 public key; otherwise an error naming where the bad one came from. */
function checkedRoots(roots: readonly string[], where: string): PublicKey[] {
  const bad = roots.find((root) => !isPublicKey(root));
  if (bad !== undefined) throw new Error(`${where}: '${bad.slice(0, 60)}' is not an Ed25519 public key (32 bytes, base64url)`);
  return [...roots];
}

function writeSecret(file: string, text: string): void {
  writeFileSync(file, `${text}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

function readSeed(file: string, what: string): SigningKey {
  if (!existsSync(file)) throw new Error(`${what} is missing (${file}): run \`npm run fabric -- keys init\` or set FABRIC_KEYS_DIR`);
  const seed = decodeBase64Url(readFileSync(file, 'utf8').trim());
  if (seed === null || seed.length !== 32) throw new Error(`${file} does not hold a 32-byte base64url Ed25519 seed`);
  return signingKeyFromSeed(seed);
}

/** Signs as the key directory's actors: operators with the root key, every other actor with its own key (created on first use). */
export class KeyStoreSigner extends Signer {
  private readonly loaded = new Map<string, SigningKey>();

  constructor(private readonly store: KeyStore) {
    super();
  }

  describe(): string {
    return this.store.dir;
  }

  override keyOf(actor: Actor): SigningKey {
    const name = actor.role === 'operator' ? 'root' : actorName(actor);
    let key = this.loaded.get(name);
    if (key === undefined) {
      key = actor.role === 'operator' ? this.store.rootKey() : this.store.actorKey(actor);
      this.loaded.set(name, key);
    }
    return key;
  }
}
