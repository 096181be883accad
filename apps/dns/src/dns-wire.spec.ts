import { describe, expect, it } from 'vitest';
import { hostilePackets, queryMessage } from './testing/dns-packets';
import {
  decodeMessage,
  DnsFormatError,
  encodeMessage,
  formatIPv6,
  nameToText,
  parseIPv4,
  parseIPv6,
  RCODE,
  RR_CLASS,
  RR_TYPE,
  textToName,
  type DnsMessage,
} from './dns-wire';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

describe('DNS wire format', () => {
  it('encodes a query byte for byte as RFC 1035 lays it out', () => {
    const bytes = encodeMessage(queryMessage('web.fabric.internal', RR_TYPE.A));
    expect(bytes.toString('hex')).toBe(
      hex(`
        1234 0100 0001 0000 0000 0000
        03 776562 06 666162726963 08 696e7465726e616c 00
        0001 0001`).toString('hex'),
    );
  });

  it('decodes what it encodes: answers, an SOA in the authority section and the EDNS0 OPT record', () => {
    const query = queryMessage('Web.Fabric.Internal.', RR_TYPE.ANY, { edns: true, id: 7 });
    const answer: DnsMessage = {
      ...query,
      header: { ...query.header, qr: true, aa: true, rcode: RCODE.NOERROR },
      answers: [
        { name: query.questions[0]!.name, type: RR_TYPE.A, class: RR_CLASS.IN, ttl: 60, data: { kind: 'A', address: '192.0.2.10' } },
        { name: query.questions[0]!.name, type: RR_TYPE.AAAA, class: RR_CLASS.IN, ttl: 60, data: { kind: 'AAAA', address: '2001:db8::a' } },
      ],
      authorities: [
        {
          name: ['Fabric', 'Internal'],
          type: RR_TYPE.SOA,
          class: RR_CLASS.IN,
          ttl: 5,
          data: { kind: 'SOA', mname: ['ns', 'Fabric', 'Internal'], rname: ['hostmaster', 'Fabric', 'Internal'], serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: 5 },
        },
      ],
    };
    const bytes = encodeMessage(answer);
    expect(decodeMessage(bytes)).toEqual(answer);
    // Compression: the answers' owner is a pointer to the question (offset 12), and the zone's suffix is shared.
    expect(bytes.indexOf(Buffer.from([0xc0, 0x0c]))).toBeGreaterThan(12);
    // header 12 + question 25 + A (pointer) 16 + AAAA 28 + SOA (owner, mname and rname end in pointers) 50 + OPT 11
    expect(bytes.length).toBe(142);
  });

  it('follows compression pointers, and refuses loops, forward pointers and over-long names', () => {
    // Question: a.b. then an answer whose name is "x" + pointer to "b." at offset 14.
    const ok = hex(`
      0001 8400 0001 0001 0000 0000
      01 61 01 62 00 0001 0001
      01 78 c00e 0001 0001 0000003c 0004 c0000201`);
    const message = decodeMessage(ok);
    expect(message.answers[0]).toMatchObject({ name: ['x', 'b'], data: { kind: 'A', address: '192.0.2.1' } });

    const selfLoop = hex(`0001 0000 0001 0000 0000 0000 c00c 0001 0001`);
    expect(() => decodeMessage(selfLoop)).toThrow(/points forward or at itself/);
    const forward = hex(`0001 0000 0001 0000 0000 0000 c00e 0001 0001 00`);
    expect(() => decodeMessage(forward)).toThrow(DnsFormatError);
    // Two pointers chasing each other: 12 → 14 is forward, so it fails at once; the reverse order fails on the second hop.
    const pingPong = hex(`0001 0000 0001 0000 0000 0000 01 61 c00c 0001 0001`);
    expect(() => decodeMessage(pingPong)).toThrow(/points forward or at itself/);
    const long = Buffer.concat([hex('0001 0000 0001 0000 0000 0000'), Buffer.alloc(0), ...Array.from({ length: 5 }, () => Buffer.concat([Buffer.from([63]), Buffer.alloc(63, 0x61)])), hex('00 0001 0001')]);
    expect(() => decodeMessage(long)).toThrow(/longer than 255/);
    expect(() => decodeMessage(hex('0001 0000 0001 0000 0000 0000 40 61 00 0001 0001'))).toThrow(/label type/);
  });

  it('refuses short, truncated or padded messages and impossible counts', () => {
    expect(() => decodeMessage(Buffer.alloc(11))).toThrow(/12-byte header/);
    expect(() => decodeMessage(hex('0001 0000 ffff 0000 0000 0000 00 0001 0001'))).toThrow(/cannot hold/);
    expect(() => decodeMessage(hex('0001 0000 0001 0000 0000 0000 0a 616263 0001 0001'))).toThrow(/inside a label/);
    expect(() => decodeMessage(hex('0001 0000 0001 0000 0000 0000 01 61 00 0001'))).toThrow(/16-bit field/);
    expect(() => decodeMessage(hex('0001 0000 0001 0000 0000 0000 00 0001 0001 ff'))).toThrow(/after the last record/);
    expect(() => decodeMessage(hex('0001 8000 0000 0001 0000 0000 00 0001 0001 00000001 0003 010203'))).toThrow(/4 bytes/);
    expect(() => decodeMessage(hex('0001 8000 0000 0001 0000 0000 00 0001 0001 00000001 0009 010203'))).toThrow(/past the message end/);
  });

  it('sets TC and drops the records when the answer does not fit, keeping the question', () => {
    const query = queryMessage('big.fabric.internal', RR_TYPE.A);
    const answers = Array.from({ length: 40 }, (_, i) => ({
      name: query.questions[0]!.name,
      type: RR_TYPE.A,
      class: RR_CLASS.IN,
      ttl: 60,
      data: { kind: 'A' as const, address: `192.0.2.${i + 1}` },
    }));
    const message: DnsMessage = { ...query, header: { ...query.header, qr: true, aa: true }, answers };
    expect(encodeMessage(message).length).toBeGreaterThan(512);
    const truncated = decodeMessage(encodeMessage(message, { maxLength: 512 }));
    expect(truncated.header.tc).toBe(true);
    expect(truncated.answers).toEqual([]);
    expect(truncated.questions).toEqual(query.questions);
    expect(decodeMessage(encodeMessage(message, { maxLength: 65_535 })).answers).toHaveLength(40);
  });

  it('reads and writes addresses and names', () => {
    expect([...parseIPv4('192.0.2.255')]).toEqual([192, 0, 2, 255]);
    for (const bad of ['192.0.2', '192.0.2.256', '01.2.3.4', '1.2.3.4.5', '', 'a.b.c.d']) expect(() => parseIPv4(bad)).toThrow(RangeError);
    const cases: [string, string][] = [
      ['2001:db8::1', '2001:db8::1'],
      ['2001:0DB8:0:0:0:0:0:1', '2001:db8::1'],
      ['::', '::'],
      ['::1', '::1'],
      ['1::', '1::'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
      ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ];
    for (const [text, canonical] of cases) expect(formatIPv6(parseIPv6(text))).toBe(canonical);
    for (const bad of ['1:2:3:4:5:6:7', '1::2::3', '12345::', ':1', 'g::', '1.2.3.4::', '1:2:3:4:5:6:7:8:9', '::1.2.3']) {
      expect(() => parseIPv6(bad), bad).toThrow(RangeError);
    }
    expect(nameToText(['a.b', 'c\\d', 'e f'])).toBe('a\\.b.c\\\\d.e\\032f.');
    expect(nameToText([])).toBe('.');
    expect(textToName('fabric.internal.')).toEqual(['fabric', 'internal']);
  });
});

describe('DNS wire format under hostile input (fuzz)', () => {
  it('decodes or throws DnsFormatError — never anything else — and what it decodes re-encodes to the same message', () => {
    let decoded = 0;
    for (const seed of [1, 2, 3, 4]) {
      for (const packet of hostilePackets(seed, 5_000)) {
        let message: DnsMessage;
        try {
          message = decodeMessage(packet);
        } catch (error) {
          if (!(error instanceof DnsFormatError)) throw new Error(`seed ${seed}: ${packet.toString('hex')} threw ${String(error)}`);
          continue;
        }
        decoded++;
        expect(decodeMessage(encodeMessage(message)), packet.toString('hex')).toEqual(message);
      }
    }
    // The mutations keep a fair share valid, so the round trip is exercised too.
    expect(decoded).toBeGreaterThan(500);
  }, 60_000);
});
