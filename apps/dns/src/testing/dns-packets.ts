import { encodeMessage, RR_CLASS, RR_TYPE, textToName, type DnsMessage } from '../dns-wire';

/** Test helpers: queries as resolvers send them, and hostile packets for fuzzing the codec and the server. */

/** A query as a stub resolver sends it. */
export function queryMessage(name: string, type: number, options: { id?: number; edns?: boolean; rd?: boolean } = {}): DnsMessage {
  return {
    header: { id: options.id ?? 0x1234, qr: false, opcode: 0, aa: false, tc: false, rd: options.rd ?? true, ra: false, z: false, ad: false, cd: false, rcode: 0 },
    questions: [{ name: textToName(name), type, class: RR_CLASS.IN }],
    answers: [],
    authorities: [],
    additionals: [],
    edns: options.edns === true ? { udpPayloadSize: 1232, extendedRcode: 0, version: 0, dnssecOk: false, options: Buffer.alloc(0) } : null,
  };
}

/** Deterministic pseudo-random numbers (mulberry32), so a failing case can be replayed from its seed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Hostile packets: random bytes, and valid queries with bytes flipped, cut, repeated or pointers planted. */
export function hostilePackets(seed: number, count: number): Buffer[] {
  const next = random(seed);
  const int = (below: number) => Math.floor(next() * below);
  const seeds = [
    encodeMessage(queryMessage('web.fabric.internal', RR_TYPE.A)),
    encodeMessage(queryMessage('web.fabric.internal', RR_TYPE.AAAA, { edns: true })),
    encodeMessage(queryMessage('web', RR_TYPE.ANY, { edns: true })),
    encodeMessage(queryMessage('fabric.internal', RR_TYPE.SOA)),
  ];
  const packets: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const kind = int(5);
    if (kind === 0) {
      packets.push(Buffer.from(Array.from({ length: int(600) }, () => int(256))));
      continue;
    }
    const packet = Buffer.from(seeds[int(seeds.length)]!);
    let mutated: Buffer = packet;
    const edits = 1 + int(6);
    for (let e = 0; e < edits; e++) {
      const at = int(Math.max(1, mutated.length));
      switch (kind === 1 ? int(4) : kind) {
        case 0:
        case 2:
          mutated[at] = int(256);
          break;
        case 1:
          mutated[at] = (mutated[at] ?? 0) ^ (1 << int(8));
          break;
        case 3:
          mutated = mutated.subarray(0, at);
          break;
        case 4:
          // A compression pointer planted anywhere, to anywhere.
          if (mutated.length >= 2) {
            const where = int(mutated.length - 1);
            mutated[where] = 0xc0 | int(64);
            mutated[where + 1] = int(256);
          }
          break;
      }
    }
    // Half of them with a header a server would otherwise take (a query, one question).
    if (next() < 0.5 && mutated.length >= 12) {
      mutated[2] = mutated[2]! & 0x7f;
      mutated.writeUInt16BE(1, 4);
    }
    packets.push(mutated);
  }
  return packets;
}

