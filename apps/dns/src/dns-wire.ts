/**
 * The DNS wire format (RFC 1035 §4, with the EDNS0 OPT record of RFC 6891),
 * as much of it as an authoritative A/AAAA server needs: header, questions,
 * resource records with A, AAAA, SOA and OPT data. Decoding follows
 * compression pointers (backwards only, bounded) and checks every length
 * against the buffer, so any byte string either decodes or throws
 * DnsFormatError — never anything else. Encoding compresses repeated names.
 */

export const RR_TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, OPT: 41, ANY: 255 } as const;
export const RR_CLASS = { IN: 1, ANY: 255 } as const;
export const OPCODE = { QUERY: 0 } as const;
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 16 } as const;

export const HEADER_LENGTH = 12;
/** Largest name on the wire, length octets included (RFC 1035 §3.1). */
export const MAX_NAME_LENGTH = 255;
export const MAX_LABEL_LENGTH = 63;
/** Largest UDP answer without EDNS0 (RFC 1035 §4.2.1). */
export const CLASSIC_UDP_LIMIT = 512;

/** A name as its labels, as they are on the wire (no escaping): `['www', 'example', 'org']`; the root is `[]`. */
export type DnsName = readonly string[];

export interface DnsHeader {
  readonly id: number;
  /** true in a response. */
  readonly qr: boolean;
  readonly opcode: number;
  /** Authoritative answer. */
  readonly aa: boolean;
  /** Truncated. */
  readonly tc: boolean;
  /** Recursion desired. */
  readonly rd: boolean;
  /** Recursion available. */
  readonly ra: boolean;
  readonly z: boolean;
  readonly ad: boolean;
  readonly cd: boolean;
  /** The low 4 bits of the response code (the OPT record holds the upper 8). */
  readonly rcode: number;
}

export interface DnsQuestion {
  readonly name: DnsName;
  readonly type: number;
  readonly class: number;
}

export type RecordData =
  | { readonly kind: 'A'; readonly address: string }
  | { readonly kind: 'AAAA'; readonly address: string }
  | {
      readonly kind: 'SOA';
      readonly mname: DnsName;
      readonly rname: DnsName;
      readonly serial: number;
      readonly refresh: number;
      readonly retry: number;
      readonly expire: number;
      readonly minimum: number;
    }
  /** Any other type, kept as its bytes. */
  | { readonly kind: 'raw'; readonly bytes: Buffer };

export interface DnsRecord {
  readonly name: DnsName;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  readonly data: RecordData;
}

/** The EDNS0 pseudo-record (RFC 6891 §6.1.2): its class is the UDP payload size, its TTL the extended rcode, version and flags. */
export interface EdnsOpt {
  readonly udpPayloadSize: number;
  /** The upper 8 bits of the 12-bit response code. */
  readonly extendedRcode: number;
  readonly version: number;
  readonly dnssecOk: boolean;
  /** Options, kept as bytes (none are interpreted). */
  readonly options: Buffer;
}

export interface DnsMessage {
  readonly header: DnsHeader;
  readonly questions: readonly DnsQuestion[];
  readonly answers: readonly DnsRecord[];
  readonly authorities: readonly DnsRecord[];
  /** Additional records other than OPT. */
  readonly additionals: readonly DnsRecord[];
  /** The OPT record when the message carried one. */
  readonly edns: EdnsOpt | null;
}

/** The bytes are not a DNS message (or not one this codec can read). */
export class DnsFormatError extends Error {
  override readonly name = 'DnsFormatError';
}

// ─── decoding ─────────────────────────────────────────────────────────────

/** Just the header, for a reply to a message whose body does not decode. Null when there are not 12 bytes. */
export function decodeHeader(buf: Buffer): (DnsHeader & { readonly counts: readonly [number, number, number, number] }) | null {
  if (buf.length < HEADER_LENGTH) return null;
  const flags = buf.readUInt16BE(2);
  return {
    id: buf.readUInt16BE(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    z: (flags & 0x0040) !== 0,
    ad: (flags & 0x0020) !== 0,
    cd: (flags & 0x0010) !== 0,
    rcode: flags & 0xf,
    counts: [buf.readUInt16BE(4), buf.readUInt16BE(6), buf.readUInt16BE(8), buf.readUInt16BE(10)],
  };
}

/** Decodes a whole message; throws DnsFormatError for anything malformed, truncated, or with trailing bytes. */
export function decodeMessage(buf: Buffer): DnsMessage {
  const head = decodeHeader(buf);
  if (head === null) throw new DnsFormatError(`a DNS message has a 12-byte header; got ${buf.length} bytes`);
  const { counts, ...header } = head;
  const [qdcount, ancount, nscount, arcount] = counts;
  // Each question takes at least 5 bytes and each record at least 11: refuse counts the buffer cannot hold before looping.
  if (qdcount * 5 + (ancount + nscount + arcount) * 11 > buf.length - HEADER_LENGTH) {
    throw new DnsFormatError(`the header announces ${qdcount}/${ancount}/${nscount}/${arcount} entries; ${buf.length} bytes cannot hold them`);
  }
  const reader = new Reader(buf, HEADER_LENGTH);
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < qdcount; i++) questions.push({ name: reader.name(), type: reader.u16(), class: reader.u16() });
  const answers = readRecords(reader, ancount);
  const authorities = readRecords(reader, nscount);
  const additionals: DnsRecord[] = [];
  let edns: EdnsOpt | null = null;
  for (let i = 0; i < arcount; i++) {
    const record = readRecord(reader);
    if ('opt' in record) {
      if (edns !== null) throw new DnsFormatError('more than one OPT record');
      if (record.nameLength !== 0) throw new DnsFormatError('the OPT record must be owned by the root');
      edns = record.opt;
    } else additionals.push(record);
  }
  if (reader.offset !== buf.length) throw new DnsFormatError(`${buf.length - reader.offset} bytes after the last record`);
  return { header, questions, answers, authorities, additionals, edns };
}

function readRecords(reader: Reader, count: number): DnsRecord[] {
  const records: DnsRecord[] = [];
  for (let i = 0; i < count; i++) {
    const record = readRecord(reader);
    if ('opt' in record) throw new DnsFormatError('an OPT record outside the additional section');
    records.push(record);
  }
  return records;
}

function readRecord(reader: Reader): DnsRecord | { opt: EdnsOpt; nameLength: number } {
  const name = reader.name();
  const type = reader.u16();
  const klass = reader.u16();
  const ttl = reader.u32();
  const length = reader.u16();
  const start = reader.offset;
  const end = start + length;
  if (end > reader.buf.length) throw new DnsFormatError(`record data of ${length} bytes runs past the message end`);
  if (type === RR_TYPE.OPT) {
    const opt: EdnsOpt = {
      udpPayloadSize: klass,
      extendedRcode: ttl >>> 24,
      version: (ttl >>> 16) & 0xff,
      dnssecOk: (ttl & 0x8000) !== 0,
      options: Buffer.from(reader.buf.subarray(start, end)),
    };
    reader.offset = end;
    return { opt, nameLength: name.length };
  }
  let data: RecordData;
  if (type === RR_TYPE.A && klass === RR_CLASS.IN) {
    if (length !== 4) throw new DnsFormatError(`an A record has 4 bytes of data, not ${length}`);
    data = { kind: 'A', address: formatIPv4(reader.buf.subarray(start, end)) };
  } else if (type === RR_TYPE.AAAA && klass === RR_CLASS.IN) {
    if (length !== 16) throw new DnsFormatError(`an AAAA record has 16 bytes of data, not ${length}`);
    data = { kind: 'AAAA', address: formatIPv6(reader.buf.subarray(start, end)) };
  } else if (type === RR_TYPE.SOA) {
    const mname = reader.name();
    const rname = reader.name();
    if (reader.offset + 20 !== end) throw new DnsFormatError('SOA data does not match its length');
    data = { kind: 'SOA', mname, rname, serial: reader.u32(), refresh: reader.u32(), retry: reader.u32(), expire: reader.u32(), minimum: reader.u32() };
  } else {
    data = { kind: 'raw', bytes: Buffer.from(reader.buf.subarray(start, end)) };
  }
  reader.offset = end;
  return { name, type, class: klass, ttl, data };
}

class Reader {
  constructor(
    readonly buf: Buffer,
    public offset: number,
  ) {}

  u16(): number {
    if (this.offset + 2 > this.buf.length) throw new DnsFormatError('message ends inside a 16-bit field');
    const value = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  u32(): number {
    if (this.offset + 4 > this.buf.length) throw new DnsFormatError('message ends inside a 32-bit field');
    const value = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  /**
   * A possibly compressed name. A pointer must point strictly before the
   * place it was read from, which rules out loops; the expanded name is held
   * to 255 bytes.
   */
  name(): DnsName {
    const labels: string[] = [];
    let at = this.offset;
    let resumeAt: number | null = null;
    let wireLength = 1;
    let lowestJumpFrom = at;
    for (;;) {
      if (at >= this.buf.length) throw new DnsFormatError('message ends inside a name');
      const length = this.buf[at]!;
      if (length === 0) {
        at += 1;
        break;
      }
      const kind = length & 0xc0;
      if (kind === 0xc0) {
        if (at + 1 >= this.buf.length) throw new DnsFormatError('message ends inside a compression pointer');
        const target = ((length & 0x3f) << 8) | this.buf[at + 1]!;
        if (target >= lowestJumpFrom) throw new DnsFormatError(`compression pointer at ${at} points forward or at itself (${target})`);
        resumeAt ??= at + 2;
        lowestJumpFrom = target;
        at = target;
        continue;
      }
      if (kind !== 0) throw new DnsFormatError(`label type 0x${kind.toString(16)} is not supported`);
      if (at + 1 + length > this.buf.length) throw new DnsFormatError('message ends inside a label');
      wireLength += length + 1;
      if (wireLength > MAX_NAME_LENGTH) throw new DnsFormatError(`name longer than ${MAX_NAME_LENGTH} bytes`);
      labels.push(this.buf.toString('latin1', at + 1, at + 1 + length));
      at += 1 + length;
    }
    this.offset = resumeAt ?? at;
    return labels;
  }
}

// ─── encoding ─────────────────────────────────────────────────────────────

export interface EncodeOptions {
  /**
   * Largest message wanted (a UDP answer: 512, or the client's EDNS0 size).
   * When the records do not fit, the answer goes without its answer,
   * authority and additional records (the OPT record is kept) and with TC set,
   * so that the client asks again over TCP.
   */
  readonly maxLength?: number;
}

/** Encodes a message; names are compressed (a repeated name, or suffix, becomes a pointer). */
export function encodeMessage(message: DnsMessage, options: EncodeOptions = {}): Buffer {
  const full = encodeSections(message, message.header.tc, true);
  const limit = options.maxLength;
  if (limit === undefined || full.length <= limit) return full;
  return encodeSections(message, true, false);
}

function encodeSections(message: DnsMessage, truncated: boolean, withRecords: boolean): Buffer {
  const writer = new Writer();
  const { header } = message;
  const answers = withRecords ? message.answers : [];
  const authorities = withRecords ? message.authorities : [];
  const additionals = withRecords ? message.additionals : [];
  const rcode = header.rcode & 0xf;
  const flags =
    (header.qr ? 0x8000 : 0) |
    ((header.opcode & 0xf) << 11) |
    (header.aa ? 0x0400 : 0) |
    (truncated ? 0x0200 : 0) |
    (header.rd ? 0x0100 : 0) |
    (header.ra ? 0x0080 : 0) |
    (header.z ? 0x0040 : 0) |
    (header.ad ? 0x0020 : 0) |
    (header.cd ? 0x0010 : 0) |
    rcode;
  writer.u16(header.id & 0xffff);
  writer.u16(flags);
  writer.u16(message.questions.length);
  writer.u16(answers.length);
  writer.u16(authorities.length);
  writer.u16(additionals.length + (message.edns === null ? 0 : 1));
  for (const question of message.questions) {
    writer.name(question.name);
    writer.u16(question.type);
    writer.u16(question.class);
  }
  for (const record of [...answers, ...authorities, ...additionals]) writeRecord(writer, record);
  if (message.edns !== null) {
    const opt = message.edns;
    writer.u8(0); // root
    writer.u16(RR_TYPE.OPT);
    writer.u16(opt.udpPayloadSize);
    writer.u32(((opt.extendedRcode & 0xff) << 24) | ((opt.version & 0xff) << 16) | (opt.dnssecOk ? 0x8000 : 0));
    writer.u16(opt.options.length);
    writer.bytes(opt.options);
  }
  return writer.done();
}

function writeRecord(writer: Writer, record: DnsRecord): void {
  writer.name(record.name);
  writer.u16(record.type);
  writer.u16(record.class);
  writer.u32(record.ttl);
  const lengthAt = writer.reserveU16();
  const start = writer.length;
  const data = record.data;
  switch (data.kind) {
    case 'A':
      writer.bytes(parseIPv4(data.address));
      break;
    case 'AAAA':
      writer.bytes(parseIPv6(data.address));
      break;
    case 'SOA':
      writer.name(data.mname);
      writer.name(data.rname);
      for (const value of [data.serial, data.refresh, data.retry, data.expire, data.minimum]) writer.u32(value);
      break;
    case 'raw':
      writer.bytes(data.bytes);
      break;
  }
  writer.patchU16(lengthAt, writer.length - start);
}

class Writer {
  private buf = Buffer.alloc(512);
  private used = 0;
  /** Name suffix (exact bytes: compression never changes a name's case) → offset where it was written (pointers reach 14 bits). */
  private readonly names = new Map<string, number>();

  get length(): number {
    return this.used;
  }

  u8(value: number): void {
    this.ensure(1);
    this.buf[this.used++] = value & 0xff;
  }

  u16(value: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(value & 0xffff, this.used);
    this.used += 2;
  }

  u32(value: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(value >>> 0, this.used);
    this.used += 4;
  }

  bytes(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.used);
    this.used += bytes.length;
  }

  name(name: DnsName): void {
    let wireLength = 1;
    for (const label of name) {
      const length = Buffer.byteLength(label, 'latin1');
      if (length === 0 || length > MAX_LABEL_LENGTH) throw new RangeError(`label '${label}' must be 1..${MAX_LABEL_LENGTH} bytes`);
      wireLength += length + 1;
    }
    if (wireLength > MAX_NAME_LENGTH) throw new RangeError(`name of ${wireLength} bytes is longer than ${MAX_NAME_LENGTH}`);
    for (let i = 0; i < name.length; i++) {
      const suffix = JSON.stringify(name.slice(i));
      const earlier = this.names.get(suffix);
      if (earlier !== undefined) {
        this.u16(0xc000 | earlier);
        return;
      }
      if (this.used < 0x4000) this.names.set(suffix, this.used);
      const label = Buffer.from(name[i]!, 'latin1');
      this.u8(label.length);
      this.bytes(label);
    }
    this.u8(0);
  }

  reserveU16(): number {
    const at = this.used;
    this.u16(0);
    return at;
  }

  patchU16(at: number, value: number): void {
    if (value > 0xffff) throw new RangeError(`a 16-bit field cannot hold ${value}`);
    this.buf.writeUInt16BE(value, at);
  }

  done(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.used));
  }

  private ensure(extra: number): void {
    if (this.used + extra <= this.buf.length) return;
    const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.used + extra));
    this.buf.copy(bigger, 0, 0, this.used);
    this.buf = bigger;
  }
}

// ─── addresses ────────────────────────────────────────────────────────────

const IPV4_PART = /^(0|[1-9][0-9]{0,2})$/;

/** Dotted-quad text to its 4 bytes; throws RangeError for anything else. */
export function parseIPv4(text: string): Buffer {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => IPV4_PART.test(part) && Number(part) <= 255)) {
    throw new RangeError(`'${text}' is not an IPv4 address`);
  }
  return Buffer.from(parts.map(Number));
}

/** IPv6 text (RFC 4291 forms, `::` and an embedded IPv4 tail included) to its 16 bytes; throws RangeError otherwise. */
export function parseIPv6(text: string): Buffer {
  const fail = () => new RangeError(`'${text}' is not an IPv6 address`);
  if (text.length > 45 || text.length < 2) throw fail();
  const halves = text.split('::');
  if (halves.length > 2) throw fail();
  const groupsOf = (half: string): number[] => {
    if (half === '') return [];
    const parts = half.split(':');
    const out: number[] = [];
    parts.forEach((part, index) => {
      if (part.includes('.')) {
        // An embedded IPv4 address only as the very last part of the text.
        if (index !== parts.length - 1 || half !== halves[halves.length - 1]) throw fail();
        const v4 = parseIPv4(part);
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(part)) throw fail();
        out.push(parseInt(part, 16));
      }
    });
    return out;
  };
  let groups: number[];
  try {
    const head = groupsOf(halves[0]!);
    if (halves.length === 2) {
      const tail = groupsOf(halves[1]!);
      if (head.length + tail.length > 7) throw fail();
      groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
    } else {
      if (head.length !== 8) throw fail();
      groups = head;
    }
  } catch {
    throw fail();
  }
  const bytes = Buffer.alloc(16);
  groups.forEach((group, index) => bytes.writeUInt16BE(group, index * 2));
  return bytes;
}

export function formatIPv4(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 4)).join('.');
}

/** RFC 5952 text: lower case, no leading zeros, the longest run (≥ 2) of zero groups as `::`. */
export function formatIPv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestLength < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

// ─── text ────────────────────────────────────────────────────────────────

/** Presentation form of a name for logs: `www.example.org.`, `.` for the root; dots, backslashes and unprintable bytes escaped as dig does. */
export function nameToText(name: DnsName): string {
  if (name.length === 0) return '.';
  return `${name.map((label) => label.replace(/[.\\]/g, (c) => `\\${c}`).replace(/[^\x21-\x7e]/g, (c) => `\\${String(c.charCodeAt(0)).padStart(3, '0')}`)).join('.')}.`;
}

/** `www.example.org` or `www.example.org.` to labels; the root is `.` or ''. For trusted text (configuration, tests). */
export function textToName(text: string): DnsName {
  const trimmed = text.endsWith('.') ? text.slice(0, -1) : text;
  if (trimmed === '') return [];
  const labels = trimmed.split('.');
  for (const label of labels) {
    if (label.length === 0 || label.length > MAX_LABEL_LENGTH) throw new RangeError(`'${text}' is not a domain name (label '${label}')`);
  }
  return labels;
}

export function typeToText(type: number): string {
  const known = Object.entries(RR_TYPE).find(([, value]) => value === type);
  return known === undefined ? `TYPE${type}` : known[0];
}

export function rcodeToText(rcode: number): string {
  const known = Object.entries(RCODE).find(([, value]) => value === rcode);
  return known === undefined ? `RCODE${rcode}` : known[0];
}
