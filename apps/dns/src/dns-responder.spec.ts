import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@plan-fabric/config';
import { DEFAULT_RESPONDER_SETTINGS, DnsResponder, type EndpointLookup, type RecordSource } from './dns-responder';
import { DEFAULT_DNS_SERVER_OPTIONS, DnsServer, type DnsAddress } from './dns-server';
import { hostilePackets, queryMessage } from './testing/dns-packets';
import { decodeMessage, DnsFormatError, encodeMessage, RCODE, RR_CLASS, RR_TYPE, type DnsMessage } from './dns-wire';

/** An in-memory backend; `lookups` records what was asked, `failing` makes it throw. */
class MapSource implements RecordSource {
  readonly lookups: string[] = [];
  failing = false;
  constructor(readonly data: Map<string, EndpointLookup>) {}
  async lookup(endpointId: string): Promise<EndpointLookup> {
    this.lookups.push(endpointId);
    if (this.failing) throw new Error('connection refused');
    return this.data.get(endpointId) ?? { kind: 'unknown' };
  }
}

const many = Array.from({ length: 60 }, (_, i) => ({ address: `198.51.100.${i + 1}`, weight: 1 }));
const source = new MapSource(
  new Map<string, EndpointLookup>([
    ['web', { kind: 'known', records: [{ address: '192.0.2.1', weight: 3 }, { address: '192.0.2.2', weight: 1 }, { address: '2001:db8::1', weight: 1 }], ttl: 60 }],
    ['v4only', { kind: 'known', records: [{ address: '192.0.2.7', weight: 1 }], ttl: 30 }],
    ['emptied', { kind: 'known', records: [], ttl: 60 }],
    ['many', { kind: 'known', records: many, ttl: 10 }],
    ['junk', { kind: 'known', records: [{ address: 'not-an-address', weight: 1 }, { address: '192.0.2.9', weight: 1 }], ttl: 5 }],
  ]),
);
const responder = new DnsResponder(source, { ...DEFAULT_RESPONDER_SETTINGS, zone: ['fabric', 'internal'], negativeTtl: 7 });

async function ask(message: DnsMessage | Buffer, transport: 'udp' | 'tcp' = 'udp'): Promise<DnsMessage> {
  const { response } = await responder.respond(Buffer.isBuffer(message) ? message : encodeMessage(message), transport);
  if (response === null) throw new Error('no response');
  return decodeMessage(response);
}
const askFor = (name: string, type: number, options: Parameters<typeof queryMessage>[2] = {}) => ask(queryMessage(name, type, options));
const addresses = (message: DnsMessage) => message.answers.map((answer) => ('address' in answer.data ? answer.data.address : answer.data.kind));

describe('DnsResponder', () => {
  it('answers A and AAAA for <endpoint>.<zone> with the plan TTL, authoritatively, case-insensitively', async () => {
    const a = await askFor('web.fabric.internal', RR_TYPE.A, { id: 4242 });
    expect(a.header).toMatchObject({ id: 4242, qr: true, aa: true, tc: false, rd: true, ra: false, rcode: RCODE.NOERROR });
    expect(addresses(a)).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(a.answers.every((answer) => answer.ttl === 60 && answer.class === RR_CLASS.IN)).toBe(true);
    expect(a.authorities).toEqual([]);

    const aaaa = await askFor('web.fabric.internal', RR_TYPE.AAAA);
    expect(addresses(aaaa)).toEqual(['2001:db8::1']);
    expect(addresses(await askFor('web.fabric.internal', RR_TYPE.ANY))).toEqual(['192.0.2.1', '192.0.2.2', '2001:db8::1']);

    const shouted = await askFor('WEB.Fabric.INTERNAL.', RR_TYPE.A);
    expect(addresses(shouted)).toEqual(['192.0.2.1', '192.0.2.2']);
    // The owner name comes back as it was asked (resolvers that randomize case compare it).
    expect(shouted.answers[0]?.name).toEqual(['WEB', 'Fabric', 'INTERNAL']);
  });

  it('answers a bare <endpoint> too, without claiming a zone in its negative answers', async () => {
    expect(addresses(await askFor('v4only', RR_TYPE.A))).toEqual(['192.0.2.7']);
    const missing = await askFor('nothing-here', RR_TYPE.A);
    expect(missing.header).toMatchObject({ rcode: RCODE.NXDOMAIN, aa: true });
    expect(missing.authorities).toEqual([]);
  });

  it('says NXDOMAIN for an unknown endpoint and NOERROR with no answer for a known one with nothing of that type, with the SOA', async () => {
    const unknown = await askFor('nothing-here.fabric.internal', RR_TYPE.A);
    expect(unknown.header).toMatchObject({ rcode: RCODE.NXDOMAIN, aa: true });
    expect(unknown.answers).toEqual([]);
    expect(unknown.authorities).toMatchObject([{ name: ['fabric', 'internal'], type: RR_TYPE.SOA, ttl: 7, data: { kind: 'SOA', minimum: 7 } }]);

    for (const [name, type] of [
      ['emptied.fabric.internal', RR_TYPE.A],
      ['v4only.fabric.internal', RR_TYPE.AAAA],
      ['web.fabric.internal', RR_TYPE.MX],
    ] as const) {
      const empty = await askFor(name, type);
      expect(empty.header, name).toMatchObject({ rcode: RCODE.NOERROR, aa: true });
      expect(empty.answers, name).toEqual([]);
      expect(empty.authorities.map((record) => record.type), name).toEqual([RR_TYPE.SOA]);
    }
    // Records the backend holds that are not addresses are left out, not sent.
    expect(addresses(await askFor('junk.fabric.internal', RR_TYPE.A))).toEqual(['192.0.2.9']);
  });

  it('answers the apex SOA, NXDOMAIN below an endpoint, and REFUSED outside the zone; never asks the backend for a name that is no endpoint id', async () => {
    const soa = await askFor('fabric.internal', RR_TYPE.SOA);
    expect(soa.answers).toMatchObject([{ type: RR_TYPE.SOA, data: { mname: ['ns', 'fabric', 'internal'], rname: ['hostmaster', 'fabric', 'internal'] } }]);
    expect((await askFor('fabric.internal', RR_TYPE.A)).header.rcode).toBe(RCODE.NOERROR);
    expect((await askFor('a.web.fabric.internal', RR_TYPE.A)).header.rcode).toBe(RCODE.NXDOMAIN);
    const outside = await askFor('web.example.org', RR_TYPE.A);
    expect(outside.header).toMatchObject({ rcode: RCODE.REFUSED, aa: false });
    source.lookups.length = 0;
    for (const name of ['web_1.fabric.internal', '-web.fabric.internal', 'caf\u00e9.fabric.internal']) {
      expect((await askFor(name, RR_TYPE.A)).header.rcode, name).toBe(RCODE.NXDOMAIN);
    }
    expect(source.lookups).toEqual([]);
  });

  it('says SERVFAIL when the backend fails, FORMERR / NOTIMP / BADVERS for what it cannot answer, and drops non-queries', async () => {
    source.failing = true;
    try {
      expect((await askFor('web.fabric.internal', RR_TYPE.A)).header.rcode).toBe(RCODE.SERVFAIL);
    } finally {
      source.failing = false;
    }
    const base = queryMessage('web.fabric.internal', RR_TYPE.A, { id: 99 });
    expect((await ask({ ...base, header: { ...base.header, opcode: 2 } })).header).toMatchObject({ rcode: RCODE.NOTIMP, id: 99 });
    expect((await ask({ ...base, questions: [...base.questions, ...base.questions] })).header).toMatchObject({ rcode: RCODE.FORMERR, id: 99 });
    expect((await ask({ ...base, questions: [{ ...base.questions[0]!, class: 3 }] })).header.rcode).toBe(RCODE.REFUSED);
    const garbage = Buffer.concat([encodeMessage(base).subarray(0, 12), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]);
    expect((await ask(garbage)).header).toMatchObject({ rcode: RCODE.FORMERR, id: 99, qr: true });
    const v1 = await ask({ ...base, edns: { udpPayloadSize: 4096, extendedRcode: 0, version: 1, dnssecOk: false, options: Buffer.alloc(0) } });
    expect(v1.header.rcode + ((v1.edns?.extendedRcode ?? 0) << 4)).toBe(RCODE.BADVERS);

    expect((await responder.respond(Buffer.alloc(5), 'udp')).response).toBeNull();
    const answer = encodeMessage({ ...base, header: { ...base.header, qr: true } });
    expect((await responder.respond(answer, 'udp')).response).toBeNull();
  });

  it('echoes EDNS0, and truncates over UDP (TC) what only fits over TCP', async () => {
    const withEdns = await askFor('web.fabric.internal', RR_TYPE.A, { edns: true });
    expect(withEdns.edns).toMatchObject({ version: 0, udpPayloadSize: 1232 });
    expect((await askFor('web.fabric.internal', RR_TYPE.A)).edns).toBeNull();

    // 60 A records: 1,000 bytes — over the classic 512, within EDNS0's 1232.
    const { response: udp } = await responder.respond(encodeMessage(queryMessage('many.fabric.internal', RR_TYPE.A)), 'udp');
    expect(udp!.length).toBeLessThanOrEqual(512);
    expect(decodeMessage(udp!).header.tc).toBe(true);
    const big = await askFor('many.fabric.internal', RR_TYPE.A, { edns: true });
    expect(big.header.tc).toBe(false);
    expect(big.answers).toHaveLength(60);
    const tcp = await ask(queryMessage('many.fabric.internal', RR_TYPE.A), 'tcp');
    expect(tcp.answers).toHaveLength(60);
  });

  it('answers every hostile packet with a well-formed reply carrying its id, or with nothing (fuzz)', async () => {
    let answered = 0;
    for (const packet of hostilePackets(17, 4_000)) {
      const { response } = await responder.respond(packet, 'udp');
      if (response === null) continue;
      answered++;
      let reply: DnsMessage;
      try {
        reply = decodeMessage(response);
      } catch (error) {
        if (error instanceof DnsFormatError) throw new Error(`unreadable reply to ${packet.toString('hex')}: ${error.message}`);
        throw error;
      }
      expect(reply.header.qr).toBe(true);
      expect(reply.header.id).toBe(packet.readUInt16BE(0));
      expect(response.length).toBeLessThanOrEqual(1232);
    }
    expect(answered).toBeGreaterThan(1_000);
  }, 60_000);
});

describe('DnsServer on loopback', () => {
  let server: DnsServer;
  let address: DnsAddress;
  beforeAll(async () => {
    server = new DnsServer(responder, { ...DEFAULT_DNS_SERVER_OPTIONS, port: 0 }, createLogger('dns-test', 'error'));
    address = await server.listen();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("answers node's resolver over UDP: records, NODATA, NXDOMAIN and REFUSED as the error codes clients see", async () => {
    expect(address.tcpPort).toBe(address.udpPort);
    const resolver = new Resolver({ timeout: 2_000, tries: 2 });
    resolver.setServers([`127.0.0.1:${address.udpPort}`]);
    expect(await resolver.resolve4('web.fabric.internal', { ttl: true })).toEqual([
      { address: '192.0.2.1', ttl: 60 },
      { address: '192.0.2.2', ttl: 60 },
    ]);
    expect(await resolver.resolve6('web.fabric.internal')).toEqual(['2001:db8::1']);
    await expect(resolver.resolve4('emptied.fabric.internal')).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(resolver.resolve4('nothing-here.fabric.internal')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolver.resolve4('web.example.org')).rejects.toMatchObject({ code: 'EREFUSED' });
  });

  it('keeps answering after a storm of hostile datagrams, and answers over TCP (several queries on one connection)', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    try {
      let sent = 0;
      for (const packet of hostilePackets(5, 2_000)) {
        socket.send(packet, address.udpPort, '127.0.0.1');
        // Paced a little: the kernel drops datagrams past its receive buffer, and those would test nothing.
        if (++sent % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
      }
      socket.send(Buffer.alloc(0), address.udpPort, '127.0.0.1');
      socket.send(Buffer.alloc(65_000, 0xff), address.udpPort, '127.0.0.1');
    } finally {
      await new Promise((resolve) => setTimeout(resolve, 200));
      socket.close();
    }
    const resolver = new Resolver({ timeout: 2_000, tries: 3 });
    resolver.setServers([`127.0.0.1:${address.udpPort}`]);
    expect(await resolver.resolve4('v4only.fabric.internal')).toEqual(['192.0.2.7']);

    const replies = await tcpExchange(address.tcpPort!, [
      encodeMessage(queryMessage('many.fabric.internal', RR_TYPE.A, { id: 1 })),
      encodeMessage(queryMessage('v4only.fabric.internal', RR_TYPE.A, { id: 2 })),
    ]);
    expect(replies.map((reply) => [reply.header.id, reply.answers.length])).toEqual([
      [1, 60],
      [2, 1],
    ]);
    expect(server.stats.queries).toBeGreaterThan(500);
  });
});

/** Sends length-prefixed queries on one TCP connection and reads as many answers. */
function tcpExchange(port: number, queries: readonly Buffer[]): Promise<DnsMessage[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buffered = Buffer.alloc(0);
    const replies: DnsMessage[] = [];
    socket.on('connect', () => {
      for (const query of queries) {
        const frame = Buffer.alloc(2);
        frame.writeUInt16BE(query.length);
        socket.write(Buffer.concat([frame, query]));
      }
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const length = buffered.readUInt16BE(0);
        replies.push(decodeMessage(buffered.subarray(2, 2 + length)));
        buffered = buffered.subarray(2 + length);
      }
      if (replies.length === queries.length) {
        socket.end();
        resolve(replies);
      }
    });
    socket.on('error', reject);
    socket.setTimeout(5_000, () => reject(new Error('TCP exchange timed out')));
  });
}
