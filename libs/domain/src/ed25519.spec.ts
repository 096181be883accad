import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBase64Url, Ed25519Verifier, encodeBase64Url, isSmallOrder, signingKeyFromSeed } from '@plan-fabric/crypto';
import { isPublicKey } from './signatures';
import { labelledKey } from './sim-identities';

const hex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));
const toHex = (data: Uint8Array) => Buffer.from(data).toString('hex');

/** RFC 8032 §7.1, TEST 1 and TEST 2. */
const VECTORS = [
  {
    name: 'TEST 1 (empty message)',
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2 (one byte)',
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
];

describe('Ed25519 (RFC 8032)', () => {
  describe.each(VECTORS)('$name', ({ seed, publicKey, message, signature }) => {
    const key = signingKeyFromSeed(hex(seed));

    it('the seed gives the public key', () => {
      expect(toHex(decodeBase64Url(key.publicKey)!)).toBe(publicKey);
      expect(key.publicKey).toBe(encodeBase64Url(hex(publicKey)));
    });

    it('signs the message to the RFC signature (deterministic)', () => {
      expect(toHex(key.sign(hex(message)))).toBe(signature);
      expect(toHex(key.sign(hex(message)))).toBe(signature);
    });

    it('the signature verifies', () => {
      expect(new Ed25519Verifier().verify(key.publicKey, hex(message), hex(signature))).toBe(true);
    });

    it('a flipped bit anywhere in the signature, the message or the key fails', () => {
      const verifier = new Ed25519Verifier();
      for (const bit of [0, 7, 100, 255, 256, 300, 511]) {
        const flipped = hex(signature);
        flipped[bit >> 3]! ^= 1 << (bit & 7);
        expect(verifier.verify(key.publicKey, hex(message), flipped), `signature bit ${bit}`).toBe(false);
      }
      expect(verifier.verify(key.publicKey, Uint8Array.of(...hex(message), 0), hex(signature)), 'a byte appended').toBe(false);
      const otherKey = hex(publicKey);
      otherKey[0]! ^= 1;
      expect(verifier.verify(encodeBase64Url(otherKey), hex(message), hex(signature)), 'key bit 0').toBe(false);
    });
  });

  it('a seed is 32 bytes', () => {
    expect(() => signingKeyFromSeed(new Uint8Array(31))).toThrow(/32 bytes, not 31/);
    expect(() => signingKeyFromSeed(new Uint8Array(33))).toThrow(/32 bytes, not 33/);
  });

  it('a verifier refuses, without throwing, keys and signatures of the wrong shape', () => {
    const key = labelledKey('shape');
    const message = new TextEncoder().encode('m');
    const signature = key.sign(message);
    const verifier = new Ed25519Verifier();
    expect(verifier.verify(key.publicKey, message, signature)).toBe(true);
    expect(verifier.verify(key.publicKey, message, signature.subarray(0, 63))).toBe(false);
    expect(verifier.verify(key.publicKey, message, Uint8Array.of(...signature, 0))).toBe(false);
    expect(verifier.verify(key.publicKey.slice(0, 42), message, signature)).toBe(false);
    expect(verifier.verify(`${key.publicKey}A`, message, signature)).toBe(false);
    expect(verifier.verify('not base64url!', message, signature)).toBe(false);
    expect(verifier.verify('', message, signature)).toBe(false);
    expect(verifier.verify(encodeBase64Url(new Uint8Array(32).fill(0xff)), message, signature)).toBe(false);
  });

  describe('keys of small order verify forgeries, so they are no one’s keys', () => {
    const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
    const identity = hex('01' + '00'.repeat(31));
    const SMALL = [
      '0000000000000000000000000000000000000000000000000000000000000000',
      '0100000000000000000000000000000000000000000000000000000000000000',
      '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
      'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    ].flatMap((text) => [text, text.slice(0, 62) + (parseInt(text.slice(62), 16) | 0x80).toString(16)]);

    /** How many of 64 messages a signature (R = identity or the key, S = 0), made without any secret, verifies for under raw OpenSSL. */
    const forgeries = (raw: Uint8Array): number => {
      const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
      let hits = 0;
      for (let i = 0; i < 64; i++) {
        const message = Buffer.from(`command ${i}`);
        if ([identity, raw].some((r) => verify(null, message, key, Buffer.concat([r, Buffer.alloc(32)])))) hits += 1;
      }
      return hits;
    };

    it.each(SMALL)('%s: OpenSSL alone accepts forged signatures; the verifier and isPublicKey refuse the key', (text) => {
      const raw = hex(text);
      expect(isSmallOrder(raw)).toBe(true);
      expect(forgeries(raw)).toBeGreaterThan(0);
      const verifier = new Ed25519Verifier();
      for (let i = 0; i < 64; i++) {
        const message = new TextEncoder().encode(`command ${i}`);
        for (const r of [identity, raw]) expect(verifier.verify(encodeBase64Url(raw), message, Uint8Array.of(...r, ...new Uint8Array(32)))).toBe(false);
      }
      expect(isPublicKey(encodeBase64Url(raw))).toBe(false);
    });

    it('real keys are not of small order', () => {
      for (const label of ['a', 'b', 'c', 'sim root']) {
        const key = labelledKey(label);
        expect(isSmallOrder(decodeBase64Url(key.publicKey)!)).toBe(false);
        expect(isPublicKey(key.publicKey)).toBe(true);
      }
      expect(isSmallOrder(hex(VECTORS[0]!.publicKey))).toBe(false);
    });
  });
});

describe('isPublicKey', () => {
  const key = labelledKey('is public key').publicKey;
  it.each([
    ['a real key', key, true],
    ['one character short', key.slice(0, 42), false],
    ['one character long', `${key}A`, false],
    ['padded', `${key}=`, false],
    ['standard base64', key.replace(/[-_]/g, '+'), key.replace(/[-_]/g, '+') === key],
    ['stray bits in the last character', key.slice(0, 42) + 'B', false],
    ['31 bytes', encodeBase64Url(new Uint8Array(31).fill(9)), false],
    ['33 bytes', encodeBase64Url(new Uint8Array(33).fill(9)), false],
    ['empty', '', false],
  ])('%s → %s', (_, text, expected) => {
    expect(isPublicKey(text)).toBe(expected);
  });
});
