import { decodeBase64Url, encodeBase64Url, LIMITS, type Actor, type CommandType, type Role } from '@plan-fabric/domain';
import {
  authenticated,
  CAST,
  FUZZ_ACTORS,
  isKeyType,
  isRegistered,
  keyChangeExpectation,
  numericExpectation,
  numericPaths,
  safeRevocations,
  stillAuthentic,
  validDoc,
  validExpectation,
  type Target,
} from './command-docs';
import { actorKey, FUZZ_ROOT, garbageSignature, REVOKED_KEY, signatureFor, signerFor, SPARE_KEYS, spareKey, STRANGER } from './fuzz-keys';
import { accepted, ANY, MALFORMED, rejected, WELL_FORMED, type Expectation } from './expectations';
import {
  cloneNode,
  deleteAt,
  getAt,
  JsonEntries,
  jsonTypeOf,
  padToBytes,
  RawJson,
  setAt,
  setMember,
  typedPaths,
  writeJson,
  type Doc,
  type JsonNode,
  type JsonPath,
  type TextStyle,
} from './json-text';
import type { Prng } from './prng';

/** How often each kind of hostile record is drawn (relative weights). */
export const CATEGORY_WEIGHTS = {
  valid: 70,
  'random-bytes': 50,
  'random-json': 50,
  truncated: 50,
  'deep-nesting': 25,
  'huge-string': 50,
  'huge-array': 25,
  'wrong-type': 90,
  'missing-field': 30,
  'big-number': 90,
  'out-of-range': 60,
  unicode: 80,
  'unknown-field': 50,
  'unknown-type': 35,
  'duplicate-key': 35,
  respelled: 35,
  oversized: 30,
  'no-value': 10,
  'wrong-endpoint': 20,
  authority: 35,
  duplicate: 35,
  mutation: 80,
  signature: 90,
  'key-change': 40,
} as const;

export type Category = keyof typeof CATEGORY_WEIGHTS;
export const CATEGORIES = Object.keys(CATEGORY_WEIGHTS) as readonly Category[];

/** One record to decide, with what was done to it and what the oracle expects. */
export interface HostileInput {
  readonly category: Category;
  /** What was done, for reports: `ProposePlan payload.ttl = 1e309`. */
  readonly label: string;
  /** The record's value as the sequencer reads it (null: a record with no value). */
  readonly value: string | null;
  /** The bytes on the wire when they are not value's UTF-8 (invalid UTF-8: value is their lossy decoding). */
  readonly bytes?: Uint8Array;
  readonly expect: Expectation;
}

/** A well-formed command already decided on the endpoint, for redelivery. */
export interface DecidedCommand {
  readonly commandId: string;
  readonly value: string;
  readonly offset: number;
}

export interface GeneratorContext extends Target {
  readonly rng: Prng;
  /** A command id never used on this endpoint. */
  readonly freshId: () => string;
  readonly recent: readonly DecidedCommand[];
  /** Ids that so far came only in MALFORMED records (they are not used up). */
  readonly malformedIds: readonly string[];
  /** Largest record to build, in UTF-8 bytes (at the edge: below Kafka's own limit). */
  readonly recordBytesMax: number;
}

/** Which role issues which command, as DESIGN.md's table says (kept apart from the domain's own table). */
const ROLE_OF: Readonly<Record<CommandType, Role>> = {
  RegisterEndpoint: 'operator',
  ProposePlan: 'planner',
  ApplyPlan: 'enactor',
  ConfirmApplied: 'enactor',
  DeletePlan: 'janitor',
  OperatorActivate: 'operator',
  RegisterActorKey: 'operator',
  RevokeActorKey: 'operator',
};
const ROLES: readonly Role[] = ['planner', 'enactor', 'janitor', 'operator'];

const NUMBER_LITERALS = [
  '9007199254740993', '9007199254740992', '9007199254740991', '-9007199254740993', '18446744073709551616',
  '123456789012345678901234567890', '1e20', '1e308', '1.7976931348623157e308', '1e309', '-1e309', '1e400', '1e-400',
  '5e-324', '-0', '-0.0', '0e5', '0', '-1', '0.5', '1.5', '2.5e1', '1.0', '1e0', '10E-1', '100e-2', '0.1e1', '1E+2',
  '2', '3', '50', '64', '65', '100', '101', '86400', '86401',
];

const UNICODE_SAMPLES = [
  '\ud800', '\udfff', '\udc00\ud800', 'a\ud800b', '\u0000', 'nul\u0000in', '\ufeff', '\ufffe', '\uffff', '\u202eevil',
  'e\u0301', '\u{1F600}', '\u{1F469}\u200d\u{1F4BB}', '\u2028\u2029', '\u00a0', '\u3000', '\uff21', '\ufb01', '\u0130',
  '\u00df', '\u01c5', '\u{10FFFF}', '\u{E0001}', '\u2126', '\u0007', '\u001b[31m', '\u007f', '\u0085', '\u0627\u0644',
];

const LOOKALIKE_ADDRESSES = [
  '\uff11\uff19\uff12.0.2.1', '192.0.2.\u0661', '192\u3002168.0.1', '192.0.2.1\u200b', '\u200b192.0.2.1', '192.0.2.1\u0000',
  '192.0.2.\ud800', '2001:db8::\uff11',
];

const BAD_ADDRESSES = [
  '256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.4 ', ' 1.2.3.4', '::g', '1::2::3', '', 'localhost', '1.2.3.4/24',
  '[::1]', '0x7f.0.0.1', '1.2.3.-4', '12345::', ':::', '1:2:3:4:5:6:7:8:9', '::ffff:1.2.3.256', '1.2.3.4::', 'example.com',
];

const UNKNOWN_KEYS = [
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', '', ' ',
  'commandid', 'CommandId', 'payload ', 'type\u0000', 'signature', '$schema', 'extra', '\ud800', 'c\u043emmandId',
];

const UNKNOWN_TYPES = [
  'registerEndpoint', 'PROPOSEPLAN', 'ApplyPlan ', ' ApplyPlan', 'Apply Plan', 'Apply', 'ApplyPlans', '__proto__',
  'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'CommandRejected', 'PlanActivated', 'EndpointRegistered', '',
  'null', 'undefined', 'ApplyPlan\u0000', 'Apply\u200bPlan', '\uff21pplyPlan', 'ApplyPIan', 'ApplyPlan'.repeat(50),
];

const UNKNOWN_ROLES = ['admin', 'root', 'Operator', 'system', '__proto__', 'constructor', '', 'enactor ', 'ENACTOR', 'sequencer'];

/** White space that JSON allows between tokens, and white space it does not. */
const JSON_GAPS = [' ', '\t', '\n', '\r', '\r\n', '  ', ' \t\n'];
const NON_JSON_GAPS = ['\u00a0', '\u2028', '\u3000', '\ufeff', '\u000b', '\u000c', '\u0085', '\u200b'];

const MUTATION_CHARS = ['{', '}', '[', ']', '"', ',', ':', '\\', '0', '1', '9', '-', '+', 'e', '.', ' ', '\n', '\u0000', '\ud800', '\u00e9', 'n', 't', 'f'];

export function hostileInput(ctx: GeneratorContext, category: Category = ctx.rng.weighted(CATEGORY_WEIGHTS)): HostileInput {
  signing = ctx;
  try {
    return GENERATORS[category](ctx);
  } finally {
    signing = null;
  }
}

/** A command document as record text, signed with the key the fuzzer holds for its actor on this endpoint (the setup's records). */
export function signedRecordText(target: Target, doc: Doc): string {
  const before = signing;
  signing = target;
  try {
    return text(doc);
  } finally {
    signing = before;
  }
}

/** The endpoint whose keys sign the documents `text` writes (set while a generator runs). */
let signing: Target | null = null;

type Signature = { readonly key: string; readonly sig: string };

/** The document with a `signature` member (last), whatever it holds. */
function withSignature(doc: JsonNode, signature: JsonNode): JsonNode {
  if (doc instanceof JsonEntries) return new JsonEntries([...doc.entries, ['signature', signature]]);
  const copy: Doc = {};
  for (const key of Object.keys(doc as Doc)) setMember(copy, key, (doc as Doc)[key] as JsonNode);
  setMember(copy, 'signature', signature);
  return copy;
}

/** A command document as parsed, if `value` is one with an actor of string role and id. */
function parsedCommand(value: string): { document: Doc; actor: Actor } | null {
  let document: unknown;
  try {
    document = JSON.parse(value);
  } catch {
    return null;
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) return null;
  const actor = (document as Doc)['actor'];
  if (actor === null || typeof actor !== 'object' || Array.isArray(actor)) return null;
  const { role, id } = actor as Doc;
  return typeof role === 'string' && typeof id === 'string' ? { document: document as Doc, actor: { role: role as Role, id } } : null;
}

/**
 * The signature a producer holding `key` (by default: the key the fuzzer holds
 * for the command's actor, or a stranger's if none) puts on the command `plain`
 * parses to: over its canonical bytes, so any spelling of the same command
 * carries the same signature. Null when `plain` is no command (it stays unsigned).
 */
function signatureOf(target: Target, plain: string, key?: ReturnType<typeof signerFor>): Signature | null {
  // Beyond the size limit nothing is decided past MALFORMED: signing a megabyte would only cost time.
  if (plain.length > LIMITS.commandBytesMax || Buffer.byteLength(plain) > LIMITS.commandBytesMax) return null;
  const parsed = parsedCommand(plain);
  if (parsed === null) return null;
  const signer = key ?? signerFor(target.state, parsed.actor) ?? STRANGER;
  return signatureFor(parsed.document, signer) ?? garbageSignature(signer, plain.slice(0, 64));
}

/** The document as record text: a command is signed (see signatureOf) unless `sign` is false. */
function text(doc: JsonNode, style?: TextStyle, sign = true): string {
  const plain = writeJson(doc, style);
  const target = signing;
  if (!sign || target === null || doc === null || typeof doc !== 'object' || Array.isArray(doc) || doc instanceof RawJson) return plain;
  if (!(doc instanceof JsonEntries) && Object.hasOwn(doc, 'signature')) return plain;
  const signature = signatureOf(target, plain);
  return signature === null ? plain : writeJson(withSignature(doc, { key: signature.key, sig: signature.sig }), style);
}

type Generator = (ctx: GeneratorContext) => HostileInput;

const make = (category: Category, label: string, value: string | null, expect: Expectation, bytes?: Uint8Array): HostileInput =>
  bytes === undefined ? { category, label, value, expect } : { category, label, value, expect, bytes };

/** A fresh, valid command fitting the state, and what a valid command of its type may come to. */
function base(ctx: GeneratorContext, type?: CommandType): { doc: Doc; type: CommandType; expect: Expectation } {
  const doc = validDoc(ctx.rng, ctx, ctx.freshId(), type);
  const docType = doc['type'] as CommandType;
  return { doc, type: docType, expect: validExpectation(ctx, docType, doc) };
}
const decodeUtf8 = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const codePoints = (value: string) => [...value].length;
const pathText = (path: JsonPath) => path.map(String).join('.');
const parses = (value: string): boolean => {
  try {
    JSON.parse(value);
    return true;
  } catch {
    return false;
  }
};
/** The independent half of the oracle for random edits: text that JSON.parse refuses must be MALFORMED. */
const malformedUnlessParses = (value: string): Expectation => (parses(value) ? ANY : MALFORMED);

function randomNode(rng: Prng, depth: number): JsonNode {
  const kind = rng.int(0, depth <= 0 ? 3 : 5);
  switch (kind) {
    case 0:
      return rng.pick([null, true, false]);
    case 1:
      return new RawJson(rng.pick(NUMBER_LITERALS));
    case 2:
      return rng.pick([...UNICODE_SAMPLES, 'ApplyPlan', 'e1', 'operator', '192.0.2.1', '']);
    case 3:
      return rng.int(-5, 5);
    case 4:
      return Array.from({ length: rng.int(0, 4) }, () => randomNode(rng, depth - 1));
    default: {
      const doc: Doc = {};
      for (let i = rng.int(0, 4); i > 0; i--) setMember(doc, rng.pick([...UNKNOWN_KEYS, 'generation', 'records', 'id', 'role']), randomNode(rng, depth - 1));
      return doc;
    }
  }
}

const ENVELOPE_KEYS = ['commandId', 'endpointId', 'actor', 'type', 'payload'];

const GENERATORS: Readonly<Record<Category, Generator>> = {
  valid(ctx) {
    const { doc, type, expect } = base(ctx);
    return make('valid', `valid ${type}`, text(doc), expect);
  },

  'random-bytes'(ctx) {
    const rng = ctx.rng;
    const variant = rng.int(0, 5);
    let bytes: Uint8Array;
    let label: string;
    if (variant <= 1) {
      bytes = rng.bytes(rng.pick([1, 2, 7, 64, 512, 4096]));
      label = `${bytes.length} random bytes`;
    } else if (variant === 2) {
      bytes = Buffer.concat([Buffer.from('{"commandId":"'), rng.bytes(rng.int(1, 200)), Buffer.from('"}')]);
      label = 'a JSON prefix around random bytes';
    } else if (variant === 3) {
      const invalid = rng.pick([[0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xff], [0xfe, 0xff], [0xe2, 0x82]]);
      bytes = Buffer.concat([Buffer.from(invalid), Buffer.from(text(base(ctx).doc))]);
      label = `invalid UTF-8 (${invalid.map((b) => b.toString(16)).join(' ')}) before a command`;
    } else if (variant === 4) {
      const utf16 = Buffer.from(text(base(ctx).doc), 'utf16le');
      bytes = rng.chance(0.5) ? Buffer.concat([Buffer.from([0xff, 0xfe]), utf16]) : utf16;
      label = 'a command in UTF-16';
    } else {
      const command = Buffer.from(text(base(ctx).doc));
      for (let flips = rng.int(1, 4); flips > 0; flips--) command[rng.int(0, command.length - 1)] = rng.int(0, 255);
      bytes = command;
      label = 'a command with random bytes overwritten';
    }
    const value = decodeUtf8(bytes);
    return make('random-bytes', label, value, variant === 5 ? malformedUnlessParses(value) : MALFORMED, bytes);
  },

  'random-json'(ctx) {
    const rng = ctx.rng;
    const root = rng.chance(0.6) ? ({} as Doc) : randomNode(rng, 3);
    if (jsonTypeOf(root) === 'object' && !(root instanceof JsonEntries)) {
      const doc = root as Doc;
      for (let i = rng.int(0, 6); i > 0; i--) setMember(doc, rng.pick([...ENVELOPE_KEYS, ...ENVELOPE_KEYS, ...UNKNOWN_KEYS]), randomNode(rng, 3));
      const keys = Object.keys(doc);
      const maybeCommand = ENVELOPE_KEYS.every((key) => keys.includes(key)) && keys.every((key) => ENVELOPE_KEYS.includes(key));
      return make('random-json', `random object {${keys.map((key) => JSON.stringify(key)).join(',')}}`, text(doc), maybeCommand ? ANY : MALFORMED);
    }
    return make('random-json', `random ${jsonTypeOf(root)}`, text(root), MALFORMED);
  },

  truncated(ctx) {
    const rng = ctx.rng;
    // Trailing white space is not part of the document: cut inside the document itself.
    const full = text(base(ctx).doc, rng.chance(0.3) ? { gap: () => ' ' } : {}).trimEnd();
    const cut = rng.int(0, full.length - 1);
    return make('truncated', `a command cut to ${cut} of ${full.length} characters`, full.slice(0, cut), MALFORMED);
  },

  'deep-nesting'(ctx) {
    const rng = ctx.rng;
    const depth = rng.pick([64, 1_000, 5_000, 10_000, 20_000]);
    const arrays = '['.repeat(depth) + ']'.repeat(depth);
    const form = rng.int(0, 6);
    const { doc } = base(ctx);
    let value: string;
    let where: string;
    switch (form) {
      case 0:
        value = arrays;
        where = 'arrays as the document';
        break;
      case 1:
        value = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
        where = 'objects as the document';
        break;
      case 2:
        setAt(doc, ['payload', Object.keys(doc['payload'] as Doc)[0]!], new RawJson(arrays));
        value = text(doc);
        where = 'arrays in a payload field';
        break;
      case 3:
        setMember(doc['payload'] as Doc, 'nested', new RawJson('[{"a":'.repeat(depth) + 'null' + '}]'.repeat(depth)));
        value = text(doc);
        where = 'arrays and objects in an unknown payload field';
        break;
      case 4:
        setAt(doc, ['commandId'], new RawJson(arrays));
        value = text(doc);
        where = 'arrays as the commandId';
        break;
      case 5:
        value = '['.repeat(depth);
        where = 'unclosed arrays';
        break;
      default:
        setAt(doc, ['actor'], new RawJson('{"role":'.repeat(depth) + '"enactor"' + '}'.repeat(depth)));
        value = text(doc);
        where = 'objects as the actor';
    }
    return make('deep-nesting', `${depth} levels of ${where}`, value, MALFORMED);
  },

  'huge-string'(ctx) {
    const rng = ctx.rng;
    const char = rng.pick(['x', '\u00e9', '\u20ac', '\u{1F600}']);
    const length = rng.pick([0, 1, 63, 64, 65, 127, 128, 129, 511, 512, 513, 1_000, 10_000, 60_000]);
    const long = char.repeat(length);
    const points = length; // every char above is one code point
    const field = rng.pick(['commandId', 'actor.id', 'reason', 'address', 'enactor', 'endpointId', 'type', 'unknown']);
    const label = `${field} of ${length} × U+${char.codePointAt(0)!.toString(16).toUpperCase()}`;
    const within = (min: number, max: number, outcome: Expectation) => (points >= min && points <= max ? outcome : MALFORMED);
    switch (field) {
      case 'commandId': {
        const { doc, expect } = base(ctx);
        // Fresh where the length allows; a short id may have been decided before (then it is a duplicate).
        const fresh = ctx.freshId();
        const id = length > fresh.length + 1 ? fresh + char.repeat(length - fresh.length) : long;
        doc['commandId'] = id;
        return make('huge-string', label, text(doc), within(1, LIMITS.idLengthMax, unlessDecided(ctx, id, expect)));
      }
      case 'actor.id': {
        const { doc, expect } = base(ctx);
        (doc['actor'] as Doc)['id'] = long;
        const actor: Actor = { role: (doc['actor'] as Doc)['role'] as Role, id: long };
        return make('huge-string', label, text(doc), within(1, LIMITS.idLengthMax, authenticated(ctx, actor, expect)));
      }
      case 'reason': {
        const { doc, expect } = base(ctx, 'OperatorActivate');
        (doc['payload'] as Doc)['reason'] = long;
        return make('huge-string', label, text(doc), within(1, 512, expect));
      }
      case 'address': {
        const { doc } = base(ctx, 'ProposePlan');
        setAt(doc, ['payload', 'records', 0, 'address'], long);
        return make('huge-string', label, text(doc), within(0, 64, isRegistered(ctx) ? rejected('INVALID_PLAN') : rejected('UNKNOWN_ENDPOINT')));
      }
      case 'enactor': {
        const { doc } = base(ctx, 'RegisterEndpoint');
        setAt(doc, ['payload', 'enactors', 0], long);
        const outcome = isRegistered(ctx) ? rejected('ALREADY_REGISTERED') : accepted('EndpointRegistered');
        return make('huge-string', label, text(doc), within(1, LIMITS.idLengthMax, outcome));
      }
      case 'endpointId': {
        const { doc } = base(ctx);
        doc['endpointId'] = long;
        return make('huge-string', label, text(doc), MALFORMED);
      }
      case 'type': {
        const { doc } = base(ctx);
        doc['type'] = long;
        return make('huge-string', label, text(doc), MALFORMED);
      }
      default: {
        const { doc } = base(ctx);
        setMember(doc, 'note', long);
        return make('huge-string', `unknown field with a string of ${length} × U+${char.codePointAt(0)!.toString(16)}`, text(doc), MALFORMED);
      }
    }
  },

  'huge-array'(ctx) {
    const rng = ctx.rng;
    if (rng.chance(0.55)) {
      const count = rng.pick([0, 1, 255, 256, 256, 257, 1_000, 5_000]);
      const { doc } = base(ctx, 'ProposePlan');
      const records =
        count <= LIMITS.planRecordsMax
          ? Array.from({ length: count }, (_, i) => ({ address: `10.${i >> 8}.${i & 255}.1`, weight: 1 }))
          : new RawJson(`[${'{"address":"192.0.2.1","weight":1},'.repeat(count - 1)}{"address":"192.0.2.1","weight":1}]`);
      setAt(doc, ['payload', 'records'], records);
      const generation = getAt(doc, ['payload', 'generation']) as number;
      const expect: Expectation =
        count > LIMITS.planRecordsMax
          ? MALFORMED
          : !isRegistered(ctx)
            ? rejected('UNKNOWN_ENDPOINT')
            : count === 0
              ? rejected('INVALID_PLAN')
              : numericExpectation(ctx, doc, ['payload', 'generation'], generation);
      return make('huge-array', `ProposePlan with ${count} records`, text(doc), expect);
    }
    if (rng.chance(0.6)) {
      const count = rng.pick([0, 1, 64, 64, 65, 1_000]);
      const { doc } = base(ctx, 'RegisterEndpoint');
      setAt(doc, ['payload', 'enactors'], Array.from({ length: count }, (_, i) => `enactor-${i}`));
      setAt(doc, ['payload', 'quorum'], 1);
      const expect: Expectation =
        count > LIMITS.enactorsMax
          ? MALFORMED
          : isRegistered(ctx)
            ? rejected('ALREADY_REGISTERED')
            : count === 0
              ? rejected('INVALID_REGISTRATION')
              : accepted('EndpointRegistered');
      return make('huge-array', `RegisterEndpoint with ${count} enactors`, text(doc), expect);
    }
    const count = rng.pick([1_000, 30_000]);
    const { doc } = base(ctx);
    const numbers = new RawJson(`[${'1,'.repeat(count - 1)}1]`);
    if (rng.chance(0.5)) setAt(doc, ['payload'], numbers);
    else setMember(doc, 'bulk', numbers);
    return make('huge-array', `an array of ${count} numbers where none belongs`, text(doc), MALFORMED);
  },

  'wrong-type'(ctx) {
    const rng = ctx.rng;
    const { doc } = base(ctx);
    if (rng.chance(0.08)) {
      const root = rng.chance(0.5) ? JSON.stringify(text(doc)) : text([doc]);
      return make('wrong-type', 'the command inside a string or an array', root, MALFORMED);
    }
    const { path, type } = rng.pick(typedPaths(doc));
    const replacements: JsonNode[] = [null, true, false, 0, 1, new RawJson('-0'), 1.5, new RawJson('1e309'), '', '1', 'ApplyPlan', [], [1], ['e1'], {}, { generation: 1 }];
    const replacement = rng.pick(replacements.filter((candidate) => jsonTypeOf(candidate) !== type));
    setAt(doc, path, replacement);
    return make('wrong-type', `${doc['type'] as string} ${pathText(path)}: ${type} → ${text(replacement)}`, text(doc), MALFORMED);
  },

  'missing-field'(ctx) {
    const rng = ctx.rng;
    const { doc } = base(ctx);
    // Every member of every object in the schemas is required.
    const members = typedPaths(doc).filter(({ path }) => jsonTypeOf(getAt(doc, path.slice(0, -1)) ?? null) === 'object');
    const { path } = rng.pick(members);
    deleteAt(doc, path);
    return make('missing-field', `${String(doc['type'] ?? 'command')} without ${pathText(path)}`, text(doc), MALFORMED);
  },

  'big-number'(ctx) {
    const rng = ctx.rng;
    const drawn = base(ctx);
    const { doc } = isKeyType(drawn.type) ? base(ctx, rng.pick<CommandType>(['ProposePlan', 'ApplyPlan', 'RegisterEndpoint'])) : drawn;
    const path = rng.pick(numericPaths(doc));
    const literal = rng.pick(NUMBER_LITERALS);
    setAt(doc, path, new RawJson(literal));
    const expect = numericExpectation(ctx, doc, path, JSON.parse(literal) as number);
    return make('big-number', `${doc['type'] as string} ${pathText(path)} = ${literal}`, text(doc), expect);
  },

  'out-of-range'(ctx) {
    return outOfRange(ctx);
  },

  unicode(ctx) {
    return unicode(ctx);
  },

  'unknown-field'(ctx) {
    const rng = ctx.rng;
    const { doc, type } = base(ctx);
    const key = rng.chance(0.15) ? 'k'.repeat(rng.pick([200, 5_000, 60_000])) : rng.pick(UNKNOWN_KEYS);
    const targets: JsonPath[] = [[], ['actor'], ['payload']];
    if (type === 'ProposePlan') targets.push(['payload', 'records', 0]);
    const where = rng.pick(targets);
    setMember(getAt(doc, where) as Doc, key, randomNode(rng, 1));
    const shown = key.length > 40 ? `${key.length} × 'k'` : JSON.stringify(key);
    return make('unknown-field', `${type} with an unknown member ${shown} in ${pathText(where) || 'the envelope'}`, text(doc), MALFORMED);
  },

  'unknown-type'(ctx) {
    const rng = ctx.rng;
    const { doc } = base(ctx);
    if (rng.chance(0.3)) {
      const role = rng.pick(UNKNOWN_ROLES);
      (doc['actor'] as Doc)['role'] = role;
      return make('unknown-type', `actor role ${JSON.stringify(role)}`, text(doc), MALFORMED);
    }
    const type = rng.pick(UNKNOWN_TYPES);
    doc['type'] = type;
    return make('unknown-type', `command type ${JSON.stringify(type.length > 40 ? `${type.slice(0, 40)}…` : type)}`, text(doc), MALFORMED);
  },

  'duplicate-key'(ctx) {
    const rng = ctx.rng;
    const { doc } = base(ctx);
    const where = rng.pick<JsonPath>([[], ['actor'], ['payload']]);
    const target = getAt(doc, where) as Doc;
    const key = rng.pick(Object.keys(target));
    const original = target[key] as JsonNode;
    const other: JsonNode = rng.chance(0.5) ? rng.pick([null, 'x', 7, [], {}]) : alternativeFor(ctx, key, original);
    const otherFirst = rng.chance(0.5);
    const entries = Object.keys(target).flatMap((member): (readonly [string, JsonNode])[] =>
      member !== key ? [[member, target[member] as JsonNode]] : otherFirst ? [[key, other], [key, original]] : [[key, original], [key, other]],
    );
    const lastWins = cloneNode(doc);
    if (!otherFirst) setAt(lastWins, [...where, key], other);
    if (where.length === 0) {
      const value = text(new JsonEntries(entries));
      return make('duplicate-key', `envelope key ${key} twice (${otherFirst ? 'original last' : 'original first'})`, value, { kind: 'same-as', value: text(lastWins) });
    }
    setAt(doc, where, new JsonEntries(entries));
    return make('duplicate-key', `${pathText(where)} key ${key} twice (${otherFirst ? 'original last' : 'original first'})`, text(doc), {
      kind: 'same-as',
      value: text(lastWins),
    });
  },

  respelled(ctx) {
    const rng = ctx.rng;
    const { doc, type } = base(ctx);
    const plain = text(doc);
    const respell = (node: JsonNode): JsonNode => {
      if (typeof node === 'number' && Number.isInteger(node)) {
        return new RawJson(rng.pick([`${node}.0`, `${node}e0`, node === 0 ? '0E+3' : `${node}0e-1`, `${node}.000E+0`, `${node}`]));
      }
      if (Array.isArray(node)) return node.map(respell);
      if (node !== null && typeof node === 'object' && !(node instanceof RawJson) && !(node instanceof JsonEntries)) {
        return new JsonEntries(rng.shuffle(Object.keys(node)).map((key) => [key, respell(node[key] as JsonNode)] as const));
      }
      return node;
    };
    const gap = rng.pick(JSON_GAPS);
    const escapeAll = rng.chance(0.25);
    const value = text(respell(doc), { gap: () => (rng.chance(0.5) ? gap : ''), escapeAll });
    return make('respelled', `${type} with keys shuffled, numbers respelled${escapeAll ? ', every character escaped' : ''}`, value, { kind: 'same-as', value: plain });
  },

  oversized(ctx) {
    return oversized(ctx);
  },

  'no-value'(ctx) {
    const value = ctx.rng.pick([null, '', ' ', '\n', 'null', 'undefined', '{}', '[]', '""', 'true', '0']);
    return make('no-value', value === null ? 'a record with no value' : `the value ${JSON.stringify(value)}`, value, MALFORMED);
  },

  'wrong-endpoint'(ctx) {
    const { doc } = base(ctx);
    const id = ctx.endpointId;
    const other = ctx.rng.pick(['other-endpoint', `${id}-2`, id.toUpperCase(), `${id}\n`, ` ${id}`, '', 'a'.repeat(64), '-x', `${id}\u0000`, `${id.slice(0, -1)}\u0435`]);
    doc['endpointId'] = other;
    return make('wrong-endpoint', `endpointId ${JSON.stringify(other)}`, text(doc), MALFORMED);
  },

  authority(ctx) {
    const rng = ctx.rng;
    const { doc, type } = base(ctx);
    const registered = isRegistered(ctx);
    if (rng.chance(0.5) || (type !== 'ApplyPlan' && type !== 'ConfirmApplied')) {
      // An actor of the endpoint in another role, with its own registered key: authenticated, not authorized.
      const role = rng.pick(ROLES.filter((candidate) => candidate !== ROLE_OF[type]));
      const actor = rng.pick(CAST.filter((candidate) => candidate.role === role && (role !== 'enactor' || candidate.id.startsWith('e'))));
      doc['actor'] = { role: actor.role, id: actor.id };
      const expect = registered || type === 'RegisterEndpoint' || isKeyType(type) ? rejected('NOT_AUTHORIZED') : rejected('UNKNOWN_ENDPOINT');
      return make('authority', `${type} by the ${role} ${actor.id}`, text(doc), authenticated(ctx, actor, expect));
    }
    const id = rng.pick(['e9', 'E1', 'e1 ', '\u0435' + '1', 'op-1', 'enactor-1', 'e1\u0000']);
    (doc['actor'] as Doc)['id'] = id;
    const known = ctx.state.config?.enactors.includes(id) ?? false;
    const expect = registered ? (known ? WELL_FORMED : rejected('NOT_AUTHORIZED')) : rejected('UNKNOWN_ENDPOINT');
    return make('authority', `${type} by unlisted enactor ${JSON.stringify(id)} (its key registered)`, text(doc), authenticated(ctx, { role: 'enactor', id }, expect));
  },

  duplicate(ctx) {
    const rng = ctx.rng;
    const reusable = ctx.malformedIds.filter((id) => !ctx.state.decided.has(id));
    if (reusable.length > 0 && rng.chance(0.25)) {
      const { doc, type, expect } = base(ctx);
      const id = rng.pick(reusable);
      doc['commandId'] = id;
      return make('duplicate', `${type} under an id that so far came only in a MALFORMED record`, text(doc), expect);
    }
    if (ctx.recent.length === 0) return GENERATORS.valid(ctx);
    const earlier = rng.pick(ctx.recent);
    // A redelivery carries the signature it had: after its key was revoked, it no longer authenticates.
    const expect: Expectation = redeliveryAuthentic(ctx, earlier.value) ? { kind: 'duplicate', firstOffset: earlier.offset } : rejected('NOT_AUTHENTICATED');
    const variant = rng.int(0, 2);
    if (variant === 0) return make('duplicate', `redelivery of offset ${earlier.offset}`, earlier.value, expect);
    if (variant === 1) {
      // Re-serializing could not keep every spelling (1e309); white space around the document keeps the command.
      const spaced = ` \n${earlier.value}\t `;
      if (Buffer.byteLength(spaced) <= LIMITS.commandBytesMax) return make('duplicate', `redelivery of offset ${earlier.offset}, with white space around it`, spaced, expect);
      return make('duplicate', `redelivery of offset ${earlier.offset}`, earlier.value, expect);
    }
    const { doc, type } = base(ctx);
    doc['commandId'] = earlier.commandId;
    return make('duplicate', `a different ${type} under the id of offset ${earlier.offset}`, text(doc), { kind: 'duplicate', firstOffset: earlier.offset });
  },

  signature(ctx) {
    return signatureInput(ctx);
  },

  'key-change'(ctx) {
    return keyChange(ctx);
  },

  mutation(ctx) {
    const rng = ctx.rng;
    let value = text(base(ctx).doc, rng.chance(0.3) ? { gap: () => ' ' } : {});
    const edits: string[] = [];
    for (let count = rng.int(1, 4); count > 0; count--) {
      const at = rng.int(0, value.length);
      const edit = rng.int(0, 3);
      if (edit === 0 && value.length > 0) {
        value = value.slice(0, at) + value.slice(at + 1);
        edits.push(`delete@${at}`);
      } else if (edit === 1) {
        const char = rng.pick(MUTATION_CHARS);
        value = value.slice(0, at) + char + value.slice(at);
        edits.push(`insert ${JSON.stringify(char)}@${at}`);
      } else if (edit === 2 && value.length > 0) {
        const char = rng.pick(MUTATION_CHARS);
        value = value.slice(0, at) + char + value.slice(at + 1);
        edits.push(`replace ${JSON.stringify(char)}@${at}`);
      } else {
        const end = Math.min(value.length, at + rng.int(1, 20));
        value = value.slice(0, end) + value.slice(at, end) + value.slice(end);
        edits.push(`repeat ${at}..${end}`);
      }
    }
    return make('mutation', edits.join(', '), value, malformedUnlessParses(value));
  },
};

/** A command under an id decided before is a duplicate, whatever else it says. */
function unlessDecided(ctx: GeneratorContext, commandId: string, expect: Expectation): Expectation {
  const firstOffset = ctx.state.decided.get(commandId);
  return firstOffset === undefined ? expect : { kind: 'duplicate', firstOffset };
}

/** A valid alternative value for a member (so either spelling alone would be a command). */
function alternativeFor(ctx: GeneratorContext, key: string, original: JsonNode): JsonNode {
  switch (key) {
    case 'commandId':
      return ctx.freshId();
    case 'generation':
    case 'quorum':
    case 'minValidPlans':
    case 'ttl':
      return typeof original === 'number' ? original + 1 : 1;
    case 'maxCapacityDropPercent':
      return 100;
    case 'reason':
      return 'the other reason';
    case 'id':
      return 'someone-else';
    case 'role':
      return original === 'operator' ? 'planner' : 'operator';
    case 'type':
      return original === 'ApplyPlan' ? 'DeletePlan' : 'ApplyPlan';
    default:
      return cloneNode(original);
  }
}

/** Well-typed values out of range: the command's own reason, never MALFORMED. */
function outOfRange(ctx: GeneratorContext): HostileInput {
  const rng = ctx.rng;
  const state = ctx.state;
  const registered = isRegistered(ctx);
  const unless = (expect: Expectation): Expectation => (registered ? expect : rejected('UNKNOWN_ENDPOINT'));
  const generations = [...state.plans.keys()];
  const deleted = [...state.plans.values()].filter((plan) => plan.deleted).map((plan) => plan.generation);
  const active = state.active?.generation ?? null;
  const choices = ['no records', 'bad address', 'repeated address', 'old generation', 'register', 'unknown plan'];
  if (active !== null) choices.push('apply active', 'activate active', 'delete active');
  if (deleted.length > 0) choices.push('deleted plan');
  const choice = rng.pick(choices);
  const input = (label: string, doc: Doc, expect: Expectation) => make('out-of-range', label, text(doc), expect);
  switch (choice) {
    case 'no records': {
      const { doc } = base(ctx, 'ProposePlan');
      setAt(doc, ['payload', 'records'], []);
      return input('ProposePlan with no records', doc, unless(rejected('INVALID_PLAN')));
    }
    case 'bad address': {
      const { doc } = base(ctx, 'ProposePlan');
      const address = rng.pick(BAD_ADDRESSES);
      setAt(doc, ['payload', 'records', 0, 'address'], address);
      return input(`ProposePlan with address ${JSON.stringify(address)}`, doc, unless(rejected('INVALID_PLAN')));
    }
    case 'repeated address': {
      const { doc } = base(ctx, 'ProposePlan');
      const [first, second] = rng.pick([
        ['192.0.2.9', '192.0.2.9'],
        ['2001:db8::1', '2001:DB8:0:0:0:0:0:1'],
        ['::ffff:192.0.2.1', '0:0:0:0:0:ffff:c000:201'],
        ['2001:db8:0:0:1::', '2001:db8::1:0:0:0'],
      ]);
      setAt(doc, ['payload', 'records'], [
        { address: first!, weight: 1 },
        { address: second!, weight: 1 },
      ]);
      return input(`ProposePlan with ${first} and ${second}`, doc, unless(rejected('INVALID_PLAN')));
    }
    case 'old generation': {
      const { doc } = base(ctx, 'ProposePlan');
      if (state.highestProposed < 1) return input('ProposePlan of the next generation', doc, unless(WELL_FORMED));
      const generation = rng.int(1, Math.min(state.highestProposed, 2 ** 31));
      setAt(doc, ['payload', 'generation'], generation);
      return input(`ProposePlan of generation ${generation} ≤ ${state.highestProposed}`, doc, unless(rejected('GENERATION_NOT_INCREASING')));
    }
    case 'register': {
      const { doc } = base(ctx, 'RegisterEndpoint');
      const variant = rng.pick(['none', 'repeated', 'quorum']);
      if (variant === 'none') setAt(doc, ['payload', 'enactors'], []);
      else if (variant === 'repeated') setAt(doc, ['payload', 'enactors'], ['e1', 'e2', 'e1']);
      else setAt(doc, ['payload', 'quorum'], (getAt(doc, ['payload', 'enactors']) as string[]).length + 1);
      return input(`RegisterEndpoint with ${variant} enactors/quorum`, doc, registered ? rejected('ALREADY_REGISTERED') : rejected('INVALID_REGISTRATION'));
    }
    case 'unknown plan': {
      const type = rng.pick<CommandType>(['ApplyPlan', 'DeletePlan', 'OperatorActivate']);
      const { doc } = base(ctx, type);
      let generation = Math.min(state.highestProposed + rng.int(1, 1000), Number.MAX_SAFE_INTEGER);
      if (state.plans.has(generation)) generation = Number.MAX_SAFE_INTEGER - 1;
      setAt(doc, ['payload', 'generation'], generation);
      return input(`${type} of generation ${generation}, never proposed`, doc, unless(state.plans.has(generation) ? WELL_FORMED : rejected('UNKNOWN_PLAN')));
    }
    case 'apply active':
    case 'activate active':
    case 'delete active': {
      const type: CommandType = choice === 'apply active' ? 'ApplyPlan' : choice === 'activate active' ? 'OperatorActivate' : 'DeletePlan';
      const { doc } = base(ctx, type);
      setAt(doc, ['payload', 'generation'], active!);
      return input(`${type} of the active plan ${active!}`, doc, rejected(type === 'DeletePlan' ? 'DELETE_ACTIVE_PLAN' : 'ALREADY_ACTIVE'));
    }
    default: {
      const type = rng.pick<CommandType>(['ApplyPlan', 'DeletePlan', 'OperatorActivate']);
      const { doc } = base(ctx, type);
      const generation = rng.pick(deleted.length > 0 ? deleted : generations);
      setAt(doc, ['payload', 'generation'], generation);
      return input(`${type} of deleted plan ${generation}`, doc, rejected('PLAN_DELETED'));
    }
  }
}

function unicode(ctx: GeneratorContext): HostileInput {
  const rng = ctx.rng;
  const sample = rng.pick(UNICODE_SAMPLES);
  const shown = JSON.stringify(sample);
  const registered = isRegistered(ctx);
  const variant = rng.int(0, 12);
  const u = (label: string, value: string, expect: Expectation, bytes?: Uint8Array) => make('unicode', label, value, expect, bytes);
  switch (variant) {
    case 0: {
      const { doc, expect } = base(ctx);
      doc['commandId'] = `${ctx.freshId()}${sample}`;
      return u(`commandId with ${shown}`, text(doc), expect);
    }
    case 1: {
      const { doc, expect } = base(ctx);
      (doc['actor'] as Doc)['id'] = sample;
      return u(`actor id ${shown}`, text(doc), authenticated(ctx, { role: (doc['actor'] as Doc)['role'] as Role, id: sample }, expect));
    }
    case 2: {
      const { doc, expect } = base(ctx, 'OperatorActivate');
      setAt(doc, ['payload', 'reason'], sample);
      return u(`OperatorActivate reason ${shown}`, text(doc), expect);
    }
    case 3: {
      const { doc } = base(ctx, 'ProposePlan');
      const address = rng.pick(LOOKALIKE_ADDRESSES);
      setAt(doc, ['payload', 'records', 0, 'address'], address);
      return u(`look-alike address ${JSON.stringify(address)}`, text(doc), registered ? rejected('INVALID_PLAN') : rejected('UNKNOWN_ENDPOINT'));
    }
    case 4: {
      const { doc } = base(ctx, 'RegisterEndpoint');
      setAt(doc, ['payload', 'enactors', 0], sample);
      return u(`enactor id ${shown}`, text(doc), registered ? rejected('ALREADY_REGISTERED') : accepted('EndpointRegistered'));
    }
    case 5: {
      const { doc } = base(ctx);
      doc['endpointId'] = `${ctx.endpointId}${sample}`;
      return u(`endpointId followed by ${shown}`, text(doc), MALFORMED);
    }
    case 6: {
      const { doc } = base(ctx);
      const key = rng.pick(ENVELOPE_KEYS);
      const lookalike = key.replace('o', '\u043e').replace('a', '\u0430').replace('e', '\u0435');
      const entries = Object.keys(doc).map((member) => [member === key ? lookalike : member, doc[member] as JsonNode] as const);
      return u(`envelope key ${key} spelled with Cyrillic letters`, text(new JsonEntries(entries)), MALFORMED);
    }
    case 7: {
      const { doc } = base(ctx);
      const raw = rng.chance(0.5);
      return raw
        ? u('UTF-8 byte order mark before the document', `\ufeff${text(doc)}`, MALFORMED, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text(doc))]))
        : u('U+FEFF before the document', `\ufeff${text(doc)}`, MALFORMED);
    }
    case 8: {
      const { doc } = base(ctx);
      const control = rng.pick(['\u0000', '\u0001', '\u001f', '\n', '\t']);
      const value = text(doc).replace(/"commandId":"/, `"commandId":"${control}`);
      return u(`a raw control character ${JSON.stringify(control)} inside a string`, value, MALFORMED);
    }
    case 9: {
      const { doc, expect } = base(ctx);
      doc['commandId'] = `${ctx.freshId()}${rng.pick(['\ud800', '\udfff', 'x\udc00y'])}`;
      return u('a raw (unescaped) lone surrogate in the commandId', text(doc, { rawSurrogates: true }), expect);
    }
    case 10: {
      const { doc } = base(ctx);
      const gap = rng.pick(NON_JSON_GAPS);
      return u(`${JSON.stringify(gap)} between tokens (not JSON white space)`, text(doc, { gap: () => gap }), MALFORMED);
    }
    case 11: {
      const { doc, expect } = base(ctx);
      const invalid = rng.pick([[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x28, 0xa1]]);
      const [head, tail] = text(doc, undefined, false).split(/(?<="commandId":")/) as [string, string];
      const unsigned = Buffer.concat([Buffer.from(head), Buffer.from(invalid), Buffer.from(tail)]);
      // Decoded the way the sequencer decodes (lossy): each invalid sequence becomes U+FFFD inside the id. The
      // producer signed the command it meant, the id as the sequencer will read it; the signature goes first.
      const signature = signatureOf(ctx, decodeUtf8(unsigned));
      const bytes = signature === null ? unsigned : Buffer.concat([Buffer.from(`{"signature":${JSON.stringify(signature)},`), unsigned.subarray(1)]);
      return u(`invalid UTF-8 (${invalid.map((b) => b.toString(16)).join(' ')}) inside the commandId`, decodeUtf8(bytes), expect, bytes);
    }
    default: {
      const { doc, expect } = base(ctx);
      doc['commandId'] = `${ctx.freshId()}${'\u{1F600}'.repeat(rng.pick([1, 100, 127]))}`;
      const points = codePoints(doc['commandId']);
      return u(`commandId of ${points} code points, ${(doc['commandId'] as string).length} UTF-16 units`, text(doc), points <= LIMITS.idLengthMax ? expect : MALFORMED);
    }
  }
}

function oversized(ctx: GeneratorContext): HostileInput {
  const rng = ctx.rng;
  const max = LIMITS.commandBytesMax;
  const registered = isRegistered(ctx);
  const variant = rng.int(0, 7);
  if (variant <= 1) {
    const { doc, type, expect } = base(ctx);
    const bytes = rng.pick([max - 1, max, max, max + 1, max + rng.int(2, 16)]);
    return make('oversized', `${type} padded with white space to ${bytes} bytes`, padToBytes(text(doc), bytes, rng.pick(JSON_GAPS)), bytes <= max ? expect : MALFORMED);
  }
  if (variant <= 3) {
    // Multi-byte characters: far fewer UTF-16 units than bytes, so a limit counted in characters would let it through.
    const { doc } = base(ctx, 'ProposePlan');
    setAt(doc, ['payload', 'records'], Array.from({ length: 250 }, () => ({ address: '\u20ac'.repeat(64), weight: 1 })));
    const bytes = rng.pick([max, max + 1]);
    const value = padToBytes(text(doc), bytes);
    const expect = bytes > max ? MALFORMED : registered ? rejected('INVALID_PLAN') : rejected('UNKNOWN_ENDPOINT');
    return make('oversized', `ProposePlan of ${value.length} UTF-16 units and ${bytes} bytes (3-byte characters)`, value, expect);
  }
  if (variant <= 5) {
    const { doc } = base(ctx);
    const count = Math.ceil(max / 3) + rng.int(1, 10);
    setMember(doc, 'pad', '\ud800'.repeat(count));
    return make('oversized', `${count} raw lone surrogates (3 bytes each as UTF-8)`, text(doc, { rawSurrogates: true }), MALFORMED);
  }
  // Far over the limit; the largest are rarer (they cost the most to build and to count).
  const sizes = [2 * max, 2 * max, 2 * max, 256 * 1024, 256 * 1024, 1024 * 1024 + 2].filter((size) => size <= ctx.recordBytesMax);
  const size = sizes.length > 0 ? rng.pick(sizes) : max + 1;
  const form = rng.int(0, 3);
  const { doc } = base(ctx);
  let value: string;
  let label: string;
  if (form === 0) {
    value = padToBytes(text(doc), size);
    label = 'a valid command padded';
  } else if (form === 1) {
    setMember(doc, 'blob', 'A'.repeat(size));
    value = text(doc);
    label = 'a command with a huge string';
  } else if (form === 2) {
    const record = '{"address":"192.0.2.1","weight":1}';
    value = `{"commandId":"${ctx.freshId()}","payload":{"records":[${`${record},`.repeat(Math.ceil(size / (record.length + 1)))}${record}]}}`;
    label = 'a plan with a huge record array';
  } else {
    value = '['.repeat(size / 2) + ']'.repeat(size / 2);
    label = 'deeply nested arrays';
  }
  return make('oversized', `${label}: ${Buffer.byteLength(value)} bytes`, value, MALFORMED);
}

/** Whether a record decided before (signed then) would still authenticate now: its key may have been revoked since. */
function redeliveryAuthentic(ctx: GeneratorContext, value: string): boolean {
  const parsed = parsedCommand(value);
  const signature = parsed?.document['signature'] as Doc | undefined;
  return parsed !== null && typeof signature?.['key'] === 'string' && stillAuthentic(ctx, parsed.actor, signature['key']);
}

const actorOf = (doc: Doc): Actor => ({ role: (doc['actor'] as Doc)['role'] as Role, id: (doc['actor'] as Doc)['id'] as string });

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** The order of the Ed25519 group, little-endian: S + L is the same signature's non-canonical twin (RFC 8032 requires S < L). */
const GROUP_ORDER = (1n << 252n) + 27742317777372353535851937790883648493n;

/** S + L in place of S: a malleated signature that a strict verifier refuses. */
function malleated(sig: string): string {
  const bytes = decodeBase64Url(sig)!;
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(bytes[i]!);
  s += GROUP_ORDER;
  const out = Uint8Array.from(bytes);
  for (let i = 32; i < 64; i++) {
    out[i] = Number(s & 255n);
    s >>= 8n;
  }
  return encodeBase64Url(out);
}

export const SIGNATURE_VARIANTS = [
  'missing',
  'truncated',
  'extended',
  'bit flip',
  'garbage',
  'malleated',
  'swapped',
  'other endpoint',
  'wrong log',
  'replayed',
  'revoked key',
  "another actor's key",
  'trust root',
  'stranger',
  'not a key',
  'badly typed',
] as const;

/**
 * Signatures under attack, on otherwise valid commands: each is
 * NOT_AUTHENTICATED (and uses up nothing), except a signature member of the
 * wrong shape (MALFORMED), a copy on the wrong log (MALFORMED: its endpointId
 * is another's) and a redelivery of a genuine command (a duplicate).
 */
function signatureInput(ctx: GeneratorContext): HostileInput {
  const rng = ctx.rng;
  const variant = rng.pick(SIGNATURE_VARIANTS);
  const notAuthenticated = rejected('NOT_AUTHENTICATED');
  const input = (label: string, value: string, expect: Expectation) => make('signature', `${variant}: ${label}`, value, expect);
  const { doc, type } = base(ctx);
  const plain = text(doc, undefined, false);
  const good = signatureOf(ctx, plain)!;
  const put = (target: Doc, signature: JsonNode) => writeJson(withSignature(target, signature));
  switch (variant) {
    case 'missing':
      return input(`${type} without a signature`, plain, notAuthenticated);
    case 'truncated': {
      const cut = rng.int(0, good.sig.length - 1);
      return input(`${type} with its signature cut to ${cut} of ${good.sig.length} characters`, put(doc, { key: good.key, sig: good.sig.slice(0, cut) }), notAuthenticated);
    }
    case 'extended': {
      const extra = rng.pick(['A', 'AA', 'AAA', 'AAAA']);
      return input(`${type} with ${extra.length} characters after its signature`, put(doc, { key: good.key, sig: good.sig + extra }), notAuthenticated);
    }
    case 'bit flip': {
      const at = rng.int(0, good.sig.length - 1);
      const char = rng.pick([...B64URL].filter((c) => c !== good.sig[at]));
      return input(`${type} with signature character ${at} changed`, put(doc, { key: good.key, sig: good.sig.slice(0, at) + char + good.sig.slice(at + 1) }), notAuthenticated);
    }
    case 'garbage': {
      const standard = Buffer.from(decodeBase64Url(good.sig)!).toString('base64');
      const candidates = ['', '!', '====', 'A'.repeat(86), '_'.repeat(86), standard, `${good.sig}==`, ` ${good.sig}`, `${good.sig.slice(0, 40)}\u00e9${good.sig.slice(41)}`, good.sig.toUpperCase()];
      const sig = rng.pick(candidates.filter((candidate) => candidate !== good.sig));
      return input(`${type} with signature ${JSON.stringify(sig.length > 20 ? `${sig.slice(0, 20)}…` : sig)}`, put(doc, { key: good.key, sig }), notAuthenticated);
    }
    case 'malleated':
      return input(`${type} with S + L for S (a non-canonical twin of a good signature)`, put(doc, { key: good.key, sig: malleated(good.sig) }), notAuthenticated);
    case 'swapped': {
      const other = base(ctx, type).doc;
      const theirs = signatureOf(ctx, text(other, undefined, false))!;
      return input(`${type} carrying the signature of another command`, put(doc, { key: theirs.key, sig: theirs.sig }), notAuthenticated);
    }
    case 'other endpoint': {
      const there = cloneNode(doc);
      there['endpointId'] = `${ctx.endpointId}-other`;
      const signedThere = signatureOf(ctx, text(there, undefined, false))!;
      return input(`${type} signed for endpoint '${there['endpointId']}', its endpointId changed to this one`, put(doc, { key: signedThere.key, sig: signedThere.sig }), notAuthenticated);
    }
    case 'wrong log': {
      doc['endpointId'] = `${ctx.endpointId}-other`;
      return input(`${type} signed for endpoint '${doc['endpointId']}', sent as it is to this one`, text(doc), MALFORMED);
    }
    case 'replayed': {
      if (ctx.recent.length === 0) return input(`${type} without a signature`, plain, notAuthenticated);
      const earlier = rng.pick(ctx.recent);
      const expect: Expectation = redeliveryAuthentic(ctx, earlier.value) ? { kind: 'duplicate', firstOffset: earlier.offset } : notAuthenticated;
      return input(`the signed command of offset ${earlier.offset}, again under its id`, earlier.value, expect);
    }
    case 'revoked key': {
      const proposal = base(ctx, 'ProposePlan').doc;
      return input(`ProposePlan signed with the planner's revoked key`, put(proposal, signatureOf(ctx, text(proposal, undefined, false), REVOKED_KEY)!), notAuthenticated);
    }
    case "another actor's key": {
      const actor = actorOf(doc);
      const other = rng.pick(CAST.filter((candidate) => candidate.role !== actor.role || candidate.id !== actor.id));
      const key = actorKey(other);
      return input(`${type} of ${actor.role} ${actor.id} signed with ${other.role} ${other.id}'s key`, put(doc, signatureOf(ctx, plain, key)!), notAuthenticated);
    }
    case 'trust root': {
      const command = base(ctx, rng.pick<CommandType>(['ProposePlan', 'ApplyPlan', 'ConfirmApplied', 'DeletePlan'])).doc;
      return input(`${command['type'] as string} of a ${actorOf(command).role} signed by the trust root`, put(command, signatureOf(ctx, text(command, undefined, false), FUZZ_ROOT)!), notAuthenticated);
    }
    case 'stranger':
      return input(`${type} signed by a key registered nowhere`, put(doc, signatureOf(ctx, plain, STRANGER)!), notAuthenticated);
    case 'not a key': {
      const key = rng.pick(['', 'abc', 'A'.repeat(43), good.sig.slice(0, 43), `${good.key}=`, good.key.slice(1), `${good.key.slice(0, 42)}B`]);
      return input(`${type} with signature key ${JSON.stringify(key)}`, put(doc, { key, sig: good.sig }), notAuthenticated);
    }
    case 'badly typed': {
      const shapes: [string, JsonNode][] = [
        ['a string', good.sig],
        ['null', null],
        ['an array', [good.key, good.sig]],
        ['an empty object', {}],
        ['a number as key', { key: 5, sig: good.sig }],
        ['null as sig', { key: good.key, sig: null }],
        ['no sig', { key: good.key }],
        ['an extra member', { key: good.key, sig: good.sig, alg: 'none' }],
        ['a sig of 300 characters', { key: good.key, sig: 'A'.repeat(300) }],
        ['a key of 200 characters', { key: 'k'.repeat(200), sig: good.sig }],
      ];
      const [label, shape] = rng.pick(shapes);
      return input(`${type} whose signature is ${label}`, put(doc, shape), MALFORMED);
    }
  }
}

/** Texts that are no Ed25519 public key: wrong length, padding, standard alphabet, stray bits, points of small order. */
function nonKeys(): string[] {
  const key = spareKey(0).publicKey;
  const identity = new Uint8Array(32);
  identity[0] = 1;
  const minusOne = new Uint8Array(32).fill(0xff);
  minusOne[0] = 0xec;
  minusOne[31] = 0x7f;
  return [
    '',
    'abc',
    `${key}=`,
    key.slice(0, 42),
    `${key}A`,
    `${key.slice(0, 42)}B`,
    key.replace(/-/g, '+').replace(/_/g, '/') === key ? `+${key.slice(1)}` : key.replace(/-/g, '+').replace(/_/g, '/'),
    'A'.repeat(43),
    encodeBase64Url(identity),
    encodeBase64Url(minusOne),
    encodeBase64Url(new Uint8Array(64)),
  ];
}

export const KEY_CHANGE_VARIANTS = [
  'register fresh',
  'register again',
  'register revoked',
  'register root',
  'register non-key',
  'register too long',
  'revoke safe',
  'revoke unknown',
  'revoke revoked',
  'revoke root',
  'revoke non-key',
] as const;

/** The operator's key commands, valid and not: each gets the outcome the rules give it (see keyChangeExpectation). */
function keyChange(ctx: GeneratorContext): HostileInput {
  const rng = ctx.rng;
  const state = ctx.state;
  let variant: (typeof KEY_CHANGE_VARIANTS)[number] = rng.pick(KEY_CHANGE_VARIANTS);
  const safe = safeRevocations(state);
  if (variant === 'revoke safe' && safe.length === 0) variant = 'revoke unknown';
  if (variant === 'revoke root') {
    const root = keyChangeExpectation(state, 'RevokeActorKey', FUZZ_ROOT.publicKey);
    if (root.kind === 'accepted' && !safe.includes(FUZZ_ROOT.publicKey)) variant = 'revoke unknown';
  }
  const register = variant.startsWith('register');
  const { doc } = base(ctx, register ? 'RegisterActorKey' : 'RevokeActorKey');
  const payload = doc['payload'] as Doc;
  const input = (label: string, publicKey: string, expect?: Expectation) => {
    payload['publicKey'] = publicKey;
    const outcome = expect ?? keyChangeExpectation(state, register ? 'RegisterActorKey' : 'RevokeActorKey', publicKey);
    return make('key-change', `${variant}: ${label}`, text(doc), authenticated(ctx, FUZZ_ACTORS.operator, outcome));
  };
  const unregisteredSpares = Array.from({ length: SPARE_KEYS }, (_, n) => spareKey(n).publicKey).filter((key) => !state.keys.has(key));
  switch (variant) {
    case 'register fresh':
      return input('a spare key', unregisteredSpares.length > 0 ? rng.pick(unregisteredSpares) : spareKey(rng.int(0, SPARE_KEYS - 1)).publicKey);
    case 'register again': {
      const actor = rng.pick(CAST.filter((candidate) => candidate.role !== 'operator'));
      return input(`the key of ${actor.role} ${actor.id}`, actorKey(actor).publicKey);
    }
    case 'register revoked':
      return input('the revoked planner key', REVOKED_KEY.publicKey);
    case 'register root':
      return input('the trust root', FUZZ_ROOT.publicKey);
    case 'register non-key': {
      const key = rng.pick(nonKeys());
      return input(JSON.stringify(key), key, rejected('INVALID_KEY_CHANGE'));
    }
    case 'register too long':
      return input('129 characters', 'A'.repeat(129), MALFORMED);
    case 'revoke safe':
      return input('a live key the cast can do without', rng.pick(safe));
    case 'revoke unknown':
      return input('a key registered nowhere', unregisteredSpares.length > 0 ? rng.pick(unregisteredSpares) : STRANGER.publicKey);
    case 'revoke revoked':
      return input('the revoked planner key', REVOKED_KEY.publicKey);
    case 'revoke root':
      return input('the trust root', FUZZ_ROOT.publicKey);
    case 'revoke non-key': {
      const key = rng.pick(nonKeys());
      return input(JSON.stringify(key), key, rejected('INVALID_KEY_CHANGE'));
    }
  }
}
