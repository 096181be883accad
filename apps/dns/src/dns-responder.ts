import {
  CLASSIC_UDP_LIMIT,
  decodeHeader,
  decodeMessage,
  DnsFormatError,
  encodeMessage,
  OPCODE,
  parseIPv4,
  parseIPv6,
  RCODE,
  RR_CLASS,
  RR_TYPE,
  nameToText,
  type DnsHeader,
  type DnsMessage,
  type DnsName,
  type DnsQuestion,
  type DnsRecord,
  type EdnsOpt,
} from './dns-wire';

/** One address of a plan, as the DNS backend holds it. */
export interface BackendRecord {
  readonly address: string;
  readonly weight: number;
}

/** What the backend says about an endpoint id. */
export type EndpointLookup =
  /** Not registered and nothing in the backend: NXDOMAIN. */
  | { readonly kind: 'unknown' }
  /** Registered or present in the backend; `records` may be empty (nothing live yet, or the records were deleted). */
  | { readonly kind: 'known'; readonly records: readonly BackendRecord[]; readonly ttl: number };

/** Where answers come from (Postgres in the service; a map in unit tests). */
export interface RecordSource {
  lookup(endpointId: string): Promise<EndpointLookup>;
}

export interface ResponderSettings {
  /** The zone this server is authoritative for, lower case: `['fabric', 'internal']`. */
  readonly zone: DnsName;
  /** Also answer a bare `<endpoint>` (one label, outside any zone), so `dig @127.0.0.1 -p N <endpoint>` works. */
  readonly answerBareNames: boolean;
  /** TTL of negative answers (NXDOMAIN, or no records of the type): the SOA's TTL and minimum (RFC 2308). */
  readonly negativeTtl: number;
  /** Largest UDP answer this server sends to an EDNS0 client (RFC 9715 / DNS flag day 2020: 1232). */
  readonly ednsUdpPayloadSize: number;
}

export const DEFAULT_RESPONDER_SETTINGS: Omit<ResponderSettings, 'zone'> = {
  answerBareNames: true,
  negativeTtl: 5,
  ednsUdpPayloadSize: 1232,
};

export type Transport = 'udp' | 'tcp';

/** What happened to one packet, for logs and counters. */
export interface QueryOutcome {
  /** null: the packet was dropped without an answer (shorter than a header, or itself a response). */
  readonly rcode: number | null;
  readonly qname: string | null;
  readonly qtype: number | null;
  readonly endpointId: string | null;
  readonly answers: number;
  readonly truncated: boolean;
  /** Why the packet was refused, malformed or failed. */
  readonly problem: string | null;
}

/** Endpoint ids are DNS labels already: lower-case letters, digits and dashes (libs/kafka ENDPOINT_ID_PATTERN). */
const ENDPOINT_LABEL = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Largest TTL on the wire (RFC 2181 §8). */
const MAX_TTL = 0x7fffffff;

/**
 * Turns a query packet into the answer packet. Never throws: malformed input
 * is FORMERR (or dropped when not even the header is there), a failing
 * backend is SERVFAIL, names outside the zone are REFUSED.
 */
export class DnsResponder {
  constructor(
    private readonly source: RecordSource,
    private readonly settings: ResponderSettings,
  ) {}

  async respond(packet: Buffer, transport: Transport): Promise<{ response: Buffer | null; outcome: QueryOutcome }> {
    try {
      return await this.respondOrThrow(packet, transport);
    } catch (error) {
      // A defect of this server, not of the packet: say nothing rather than something wrong.
      return dropped(`internal error: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async respondOrThrow(packet: Buffer, transport: Transport): Promise<{ response: Buffer | null; outcome: QueryOutcome }> {
    const header = decodeHeader(packet);
    if (header === null) return dropped('shorter than a DNS header');
    // Never answer a response: that is how reflection loops start.
    if (header.qr) return dropped('a response, not a query');
    let query: DnsMessage;
    try {
      query = decodeMessage(packet);
    } catch (error) {
      const problem = error instanceof DnsFormatError ? error.message : String(error);
      return this.reply(reply(header, RCODE.FORMERR, [], false), transport, null, { problem });
    }
    if (query.header.opcode !== OPCODE.QUERY) {
      return this.reply(reply(header, RCODE.NOTIMP, query.questions, false, query.edns), transport, null, { problem: `opcode ${query.header.opcode}` });
    }
    if (query.questions.length !== 1) {
      return this.reply(reply(header, RCODE.FORMERR, [], false, query.edns), transport, null, {
        problem: `${query.questions.length} questions (one is answered)`,
      });
    }
    const question = query.questions[0]!;
    if (query.edns !== null && query.edns.version !== 0) {
      return this.reply(reply(header, RCODE.BADVERS, [question], false, query.edns), transport, question, { problem: `EDNS version ${query.edns.version}` });
    }
    if (question.class !== RR_CLASS.IN && question.class !== RR_CLASS.ANY) {
      return this.reply(reply(header, RCODE.REFUSED, [question], false, query.edns), transport, question, { problem: `class ${question.class}` });
    }
    try {
      return await this.answer(header, question, query.edns, transport);
    } catch (error) {
      return this.reply(reply(header, RCODE.SERVFAIL, [question], false, query.edns), transport, question, {
        problem: `the backend failed: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }

  private async answer(header: DnsHeader, question: DnsQuestion, edns: EdnsOpt | null, transport: Transport) {
    const name = question.name.map(asciiLower);
    const zone = this.settings.zone;
    const inZone = name.length >= zone.length && zone.every((label, index) => name[name.length - zone.length + index] === label);
    const negative = (rcode: number, endpointId: string | null, withSoa: boolean) => {
      const message = reply(header, rcode, [question], true, edns);
      const authorities = withSoa ? [this.soa(question.name.slice(question.name.length - zone.length))] : [];
      return this.reply({ ...message, authorities }, transport, question, { endpointId });
    };

    let endpointId: string;
    if (inZone && name.length === zone.length) {
      // The apex: its SOA, nothing else.
      if (question.type === RR_TYPE.SOA || question.type === RR_TYPE.ANY) {
        const message = reply(header, RCODE.NOERROR, [question], true, edns);
        return this.reply({ ...message, answers: [this.soa(question.name)] }, transport, question, {});
      }
      return negative(RCODE.NOERROR, null, true);
    } else if (inZone && name.length === zone.length + 1) {
      endpointId = name[0]!;
    } else if (inZone) {
      return negative(RCODE.NXDOMAIN, null, true);
    } else if (name.length === 1 && this.settings.answerBareNames) {
      endpointId = name[0]!;
    } else {
      // Not our zone: an authoritative-only server refuses rather than pretend.
      const message = reply(header, RCODE.REFUSED, [question], false, edns);
      return this.reply(message, transport, question, { problem: `${nameToText(question.name)} is outside ${nameToText(zone)}` });
    }

    if (!ENDPOINT_LABEL.test(endpointId)) return negative(RCODE.NXDOMAIN, null, inZone);
    const found = await this.source.lookup(endpointId);
    if (found.kind === 'unknown') return negative(RCODE.NXDOMAIN, endpointId, inZone);
    const ttl = Math.min(Math.max(Math.trunc(found.ttl), 0), MAX_TTL);
    const answers: DnsRecord[] = [];
    const wantA = question.type === RR_TYPE.A || question.type === RR_TYPE.ANY;
    const wantAAAA = question.type === RR_TYPE.AAAA || question.type === RR_TYPE.ANY;
    for (const record of found.records) {
      // The answer's owner is the question's name as asked (its case kept): compression points it at the question.
      if (wantA && isAddress(record.address, parseIPv4)) {
        answers.push({ name: question.name, type: RR_TYPE.A, class: RR_CLASS.IN, ttl, data: { kind: 'A', address: record.address } });
      } else if (wantAAAA && isAddress(record.address, parseIPv6)) {
        answers.push({ name: question.name, type: RR_TYPE.AAAA, class: RR_CLASS.IN, ttl, data: { kind: 'AAAA', address: record.address } });
      }
    }
    // Known, but nothing of this type (no plan live, records deleted, or the other address family): NOERROR, no answer.
    if (answers.length === 0) return negative(RCODE.NOERROR, endpointId, inZone);
    const message = reply(header, RCODE.NOERROR, [question], true, edns);
    return this.reply({ ...message, answers }, transport, question, { endpointId });
  }

  private soa(zoneName: DnsName): DnsRecord {
    const ttl = this.settings.negativeTtl;
    return {
      name: zoneName,
      type: RR_TYPE.SOA,
      class: RR_CLASS.IN,
      ttl,
      data: {
        kind: 'SOA',
        mname: ['ns', ...zoneName],
        rname: ['hostmaster', ...zoneName],
        // The zone is never transferred: one serial, and refresh/retry/expire that no secondary uses.
        serial: 1,
        refresh: 3600,
        retry: 600,
        expire: 86400,
        minimum: ttl,
      },
    };
  }

  private reply(
    message: DnsMessage,
    transport: Transport,
    question: DnsQuestion | null,
    extra: { endpointId?: string | null; problem?: string },
  ): { response: Buffer; outcome: QueryOutcome } {
    const maxLength = transport === 'tcp' ? 0xffff : this.udpLimit(message.edns);
    const edns = message.edns === null ? null : { ...message.edns, udpPayloadSize: this.settings.ednsUdpPayloadSize };
    const response = encodeMessage({ ...message, edns }, { maxLength });
    const truncated = (response[2]! & 0x02) !== 0;
    return {
      response,
      outcome: {
        rcode: message.header.rcode + ((message.edns?.extendedRcode ?? 0) << 4),
        qname: question === null ? null : nameToText(question.name),
        qtype: question?.type ?? null,
        endpointId: extra.endpointId ?? null,
        answers: truncated ? 0 : message.answers.length,
        truncated,
        problem: extra.problem ?? null,
      },
    };
  }

  /** The client's EDNS0 buffer size, held to ours and to at least 512 (RFC 6891 §6.2.5). */
  private udpLimit(clientEdns: EdnsOpt | null): number {
    if (clientEdns === null) return CLASSIC_UDP_LIMIT;
    return Math.max(CLASSIC_UDP_LIMIT, Math.min(clientEdns.udpPayloadSize, this.settings.ednsUdpPayloadSize));
  }
}

/** A response skeleton: the query's id, opcode, RD and CD; QR set; AA when authoritative; EDNS0 echoed when the query had it. */
function reply(query: DnsHeader, rcode: number, questions: readonly DnsQuestion[], authoritative: boolean, queryEdns: EdnsOpt | null = null): DnsMessage {
  const edns: EdnsOpt | null =
    // udpPayloadSize carries the client's size until DnsResponder.reply sizes the answer by it and puts ours.
    queryEdns === null ? null : { udpPayloadSize: queryEdns.udpPayloadSize, extendedRcode: rcode >> 4, version: 0, dnssecOk: queryEdns.dnssecOk, options: Buffer.alloc(0) };
  // Without EDNS0 an extended rcode cannot be said: BADVERS only arises with an OPT record, so this is never lossy in practice.
  return {
    header: { id: query.id, qr: true, opcode: query.opcode, aa: authoritative, tc: false, rd: query.rd, ra: false, z: false, ad: false, cd: query.cd, rcode: rcode & 0xf },
    questions,
    answers: [],
    authorities: [],
    additionals: [],
    edns,
  };
}

function dropped(problem: string): { response: null; outcome: QueryOutcome } {
  return { response: null, outcome: { rcode: null, qname: null, qtype: null, endpointId: null, answers: 0, truncated: false, problem } };
}

/** DNS compares names case-insensitively in ASCII only (RFC 4343). */
function asciiLower(label: string): string {
  return label.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function isAddress(text: unknown, parse: (text: string) => Buffer): text is string {
  if (typeof text !== 'string') return false;
  try {
    parse(text);
    return true;
  } catch {
    return false;
  }
}
