import { SIM_AUTHORITY, type Authority, type PublicKey, type SignatureVerifier } from '@plan-fabric/domain';

/**
 * A verifier that remembers its answers: verify(key, message, signature) is a
 * pure function, so the answer to a question asked before is the answer it
 * gave then. Keyed by key and signature, with the message compared byte for
 * byte (a signature copied onto another message is a different question and is
 * verified afresh). The simulator's replay and fail-overs, and the explorer's
 * millions of decisions over a few hundred distinct commands, verify each
 * distinct signature once. Bounded: emptied when full.
 */
export class MemoizingVerifier implements SignatureVerifier {
  private readonly answers = new Map<string, { readonly message: Uint8Array; readonly valid: boolean }>();
  verified = 0;
  remembered = 0;

  constructor(
    private readonly inner: SignatureVerifier,
    private readonly entriesMax = 50_000,
  ) {}

  verify(publicKey: PublicKey, message: Uint8Array, signature: Uint8Array): boolean {
    const key = `${publicKey}\n${Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength).toString('latin1')}`;
    const known = this.answers.get(key);
    if (known !== undefined && sameBytes(known.message, message)) {
      this.remembered++;
      return known.valid;
    }
    this.verified++;
    const valid = this.inner.verify(publicKey, message, signature);
    if (this.answers.size >= this.entriesMax) this.answers.clear();
    this.answers.set(key, { message: Uint8Array.from(message), valid });
    return valid;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** SIM_AUTHORITY (the simulation trust root) with a memoizing verifier: what the simulator and the explorer decide with. */
export const SIM_MEMO_AUTHORITY: Authority = { trustRoots: SIM_AUTHORITY.trustRoots, verifier: new MemoizingVerifier(SIM_AUTHORITY.verifier) };
