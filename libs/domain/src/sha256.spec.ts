import { createHash, randomBytes } from 'node:crypto';
import { SIM_AUTHORITY } from './sim-identities';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';
import { replay } from './replay';
import { sha256Hex, sha256HexOfBytes, utf8Bytes } from './sha256';
import { ENDPOINT, everyOutcomeLog } from './testing/decider';

const nodeSha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('sha256Hex, the pure SHA-256 of the hash chain, agrees with node:crypto', () => {
  it('on the FIPS 180-4 examples', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('at every length around the block and padding boundaries (0..200 bytes)', () => {
    for (let length = 0; length <= 200; length++) {
      const bytes = randomBytes(length);
      expect(sha256HexOfBytes(new Uint8Array(bytes)), `${length} bytes`).toBe(nodeSha256(bytes));
    }
  });

  it('on long input (1 MiB)', () => {
    const bytes = randomBytes(1 << 20);
    expect(sha256HexOfBytes(new Uint8Array(bytes))).toBe(nodeSha256(bytes));
  });

  it('on every event of the example log, as canonical JSON', () => {
    for (const event of replay(ENDPOINT, everyOutcomeLog(), SIM_AUTHORITY).events) {
      const bytes = canonicalJson(event);
      expect(sha256Hex(bytes)).toBe(nodeSha256(bytes));
    }
  });
});

describe('utf8Bytes encodes as Buffer and TextEncoder do', () => {
  it.each([
    ['ASCII', 'plan 42'],
    ['two-byte', 'é ß ñ'],
    ['three-byte', '€ 日本 \u2028'],
    ['four-byte (surrogate pairs)', '😀 𝄞'],
    ['U+0000 and U+FFFF', '\u0000\uffff'],
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', 'a\udc00b'],
    ['a high surrogate at the end', 'ab\ud83d'],
    ['reversed pair', '\ude00\ud83d'],
  ])('%s', (_, text) => {
    expect(Buffer.from(utf8Bytes(text))).toEqual(Buffer.from(new TextEncoder().encode(text)));
    expect(sha256Hex(text)).toBe(nodeSha256(Buffer.from(text, 'utf8')));
  });

  it('on random strings of random code units', () => {
    for (let round = 0; round < 200; round++) {
      const units = Array.from(randomBytes(64), (byte, i) => (i % 3 === 0 ? 0xd7f0 + byte : byte * 251));
      const text = String.fromCharCode(...units);
      expect(sha256Hex(text)).toBe(nodeSha256(Buffer.from(text, 'utf8')));
    }
  });
});
