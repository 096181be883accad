import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { decodeBase64Url, encodeBase64Url } from './base64url';

/**
 * Ed25519 (RFC 8032) through Node's OpenSSL. Deterministic: a signature depends
 * only on the key and the message, and verification only on key, message and
 * signature — no clock, no randomness, no I/O, so the core may call it and a
 * replay verifies exactly as the live run did. Key generation (randomness) is
 * not here: it lives at the edge (libs/identity) and hands a 32-byte seed in.
 */

/** A public key as it travels in commands and events: 32 bytes, base64url without padding. */
export type PublicKey = string;

export interface SigningKey {
  readonly publicKey: PublicKey;
  sign(message: Uint8Array): Uint8Array;
}

// DER headers of an Ed25519 SubjectPublicKeyInfo and PKCS#8 private key: the raw key bytes follow them.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The encodings of Ed25519's points of small order (libsodium's blocklist; the
 * sign bit, the top bit of the last byte, is ignored, so each stands for two).
 * A public key of small order verifies forged signatures (R of small order,
 * S = 0) for any message or for one in a few: it is no one's key, so it is
 * never accepted as one.
 */
const SMALL_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000', // 0 (order 4)
  '0100000000000000000000000000000000000000000000000000000000000000', // 1 (order 1)
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p - 1 (order 2)
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p, non-canonical 0 (order 4)
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p + 1, non-canonical 1 (order 1)
].map((hex) => Buffer.from(hex, 'hex'));

/** Whether 32 bytes encode a point of small order (see SMALL_ORDER). */
export function isSmallOrder(raw: Uint8Array): boolean {
  if (raw.length !== 32) return false;
  return SMALL_ORDER.some((point) => point.every((byte, i) => (i === 31 ? (raw[i]! & 0x7f) === byte : raw[i] === byte)));
}

/** The signing key of a 32-byte seed (the RFC 8032 private key). */
export function signingKeyFromSeed(seed: Uint8Array): SigningKey {
  if (seed.length !== 32) throw new RangeError(`an Ed25519 seed is 32 bytes, not ${seed.length}`);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = encodeBase64Url(spki.subarray(SPKI_PREFIX.length));
  return { publicKey, sign: (message) => new Uint8Array(sign(null, message, privateKey)) };
}

/** Checks signatures against base64url public keys; keeps parsed keys (a log names few keys, many times). */
export class Ed25519Verifier {
  private readonly keys = new Map<PublicKey, KeyObject | null>();

  verify(publicKey: PublicKey, message: Uint8Array, signature: Uint8Array): boolean {
    const key = this.key(publicKey);
    return key !== null && signature.length === 64 && verify(null, message, key, signature);
  }

  private key(publicKey: PublicKey): KeyObject | null {
    const known = this.keys.get(publicKey);
    if (known !== undefined) return known;
    const raw = decodeBase64Url(publicKey);
    let key: KeyObject | null = null;
    if (raw !== null && raw.length === 32 && !isSmallOrder(raw)) {
      try {
        key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
      } catch {
        key = null;
      }
    }
    // Bounded: hostile records may name a fresh key each; those are forgotten first.
    if (this.keys.size >= 10_000) this.keys.clear();
    this.keys.set(publicKey, key);
    return key;
  }
}
