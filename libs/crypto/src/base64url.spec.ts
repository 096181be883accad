import { describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url } from './base64url';

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('base64url (RFC 4648 §5, no padding)', () => {
  it.each([
    ['', ''],
    ['f', 'Zg'],
    ['fo', 'Zm8'],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg'],
    ['fooba', 'Zm9vYmE'],
    ['foobar', 'Zm9vYmFy'],
  ])('RFC 4648 §10 vector %j ↔ %j', (text, encoded) => {
    const data = new TextEncoder().encode(text);
    expect(encodeBase64Url(data)).toBe(encoded);
    expect(decodeBase64Url(encoded)).toEqual(data);
  });

  it('uses - and _ where base64 has + and /', () => {
    expect(encodeBase64Url(bytes(0xfb, 0xff, 0xbf))).toBe('-_-_');
    expect(decodeBase64Url('-_-_')).toEqual(bytes(0xfb, 0xff, 0xbf));
  });

  it('round-trips every length 0..70 and every byte value', () => {
    for (let length = 0; length <= 70; length++) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 37 + length * 11) & 255);
      const text = encodeBase64Url(data);
      expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(text.length).toBe(Math.ceil((length * 8) / 6));
      expect(decodeBase64Url(text)).toEqual(data);
    }
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(decodeBase64Url(encodeBase64Url(all))).toEqual(all);
  });

  it('a 32-byte key is 43 characters, a 64-byte signature 86', () => {
    expect(encodeBase64Url(new Uint8Array(32))).toHaveLength(43);
    expect(encodeBase64Url(new Uint8Array(64))).toHaveLength(86);
  });

  describe('decoding is strict: one text for one byte string, null for anything else', () => {
    it.each(['A', 'AAAAA', 'Zm9vY', 'x'.repeat(85)])('length %% 4 == 1 (%j) is no byte string', (text) => {
      expect(decodeBase64Url(text)).toBeNull();
    });

    it.each([
      ['Zh', 'the 4 leftover bits of one byte are not zero (Zg is "f")'],
      ['Zm9', 'the 2 leftover bits of two bytes are not zero (Zm8 is "fo")'],
      ['AB', 'one stray bit'],
    ])('stray bits: %j (%s)', (text) => {
      expect(decodeBase64Url(text)).toBeNull();
    });

    it.each([
      ['padding', 'Zg=='],
      ['standard base64 +', 'ab+c'],
      ['standard base64 /', 'ab/c'],
      ['a space', 'Zm9 v'],
      ['a newline', 'Zm9v\n'],
      ['a non-ASCII letter', 'Zm9é'],
      ['a surrogate pair', 'Zm\u{1F600}'],
      ['a NUL', 'Zm\u00009v'],
    ])('a character outside the alphabet: %s', (_, text) => {
      expect(decodeBase64Url(text)).toBeNull();
    });

    it('the empty text is the empty byte string', () => {
      expect(decodeBase64Url('')).toEqual(new Uint8Array(0));
    });
  });
});
