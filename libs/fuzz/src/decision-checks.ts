import { isDeepStrictEqual } from 'node:util';
import {
  canonicalJson,
  checkStep,
  LIMITS,
  parseEvent,
  type CommandRecord,
  type EndpointState,
  type FabricEvent,
} from '@plan-fabric/domain';
import { describeExpectation, type Expectation } from './expectations';

/**
 * A rejection echoes bounded parts of its record (ids are clipped, details are
 * short): a hostile record of 64 KiB must not become an event of 64 KiB. The
 * sequencer writes hundreds of events in one Kafka transaction, and a batch
 * above the broker's record limit fails the transaction every time.
 */
export const REJECTION_EVENT_BYTES_MAX = 4 * 1024;

/** One decision of the step under test: the state before, the record, the event and the state after. */
export interface Decision {
  readonly before: EndpointState;
  readonly record: CommandRecord;
  readonly event: FabricEvent;
  readonly after: EndpointState;
}

/** What moves with every event, whatever its outcome: the log position (and the hash chain's head, where there is one). */
const LOG_POSITION: readonly string[] = ['nextSeq', 'nextCommandOffset', 'lastEventHash'];

export interface CheckFailure {
  /** Which property broke: one-event, schema, invariants, fold, no-change, echo-bounds, size-limit, oracle. */
  readonly check: string;
  readonly message: string;
}

/** The event as an outcome for reports: a rejection reason, DUPLICATE, or the accepted event's type. */
export function outcomeKey(event: FabricEvent): string {
  if (event.type === 'CommandRejected') return event.data.reason;
  if (event.type === 'CommandDuplicated') return 'DUPLICATE';
  return `accepted: ${event.type}`;
}

/**
 * Every property one decision must have, whatever the record was. `decideAlone`
 * decides another record against the same state (for differential oracles).
 * Returns the serialized event (null if it could not be serialized) and the failures.
 */
export function checkDecision(
  decision: Decision,
  expect: Expectation,
  decideAlone: (record: CommandRecord) => FabricEvent,
): { text: string | null; failures: CheckFailure[] } {
  const { before, record, event, after } = decision;
  const failures: CheckFailure[] = [];
  const fail = (check: string, message: string) => failures.push({ check, message });

  // Exactly one event, for this record, next in the endpoint's sequence.
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    fail('one-event', `decide returned ${Array.isArray(event) ? 'an array' : String(event)}, not one event`);
    return { text: null, failures };
  }
  if (event.seq !== before.nextSeq) fail('one-event', `seq ${event.seq}, expected ${before.nextSeq}`);
  if (event.commandOffset !== record.offset) fail('one-event', `commandOffset ${event.commandOffset} for the record at offset ${record.offset}`);
  if (event.endpointId !== before.endpointId) fail('one-event', `endpointId '${event.endpointId}' on the log of '${before.endpointId}'`);

  // The event as written: canonical JSON that its schema accepts (that it reads back unchanged is the fold check).
  let text: string | null = null;
  let written: FabricEvent | null = null;
  try {
    text = canonicalJson(event);
    written = parseEvent(text);
  } catch (error) {
    fail('schema', `the event cannot be written and read back: ${(error as Error).message}`);
  }

  for (const violation of checkStep({ before, event, after })) fail('invariants', `${violation.invariant}: ${violation.message}`);

  // Events are the truth: the event as written must read back as exactly the event decided (strictly: -0 is
  // not 0), else a state rebuilt from the event log is not the state the sequencer holds. evolve is pure,
  // so this is the same as folding the written event and comparing states, at a fraction of the cost.
  if (written !== null && !isDeepStrictEqual(written, event)) {
    fail('fold', `the event reads back different from the event decided: ${differingPaths(event, written).slice(0, 3).join(', ')}`);
  }

  // A rejection or a duplicate changes nothing but the log position (and a rejection on the merits uses up its command id).
  if (event.type === 'CommandRejected' || event.type === 'CommandDuplicated') {
    const allowed = new Set(LOG_POSITION);
    // MALFORMED and NOT_AUTHENTICATED records do not use up their id: a forger cannot make the real command a duplicate.
    const keepsId = event.type === 'CommandRejected' && (event.data.reason === 'MALFORMED' || event.data.reason === 'NOT_AUTHENTICATED');
    if (event.type === 'CommandRejected' && !keepsId) allowed.add('decided');
    const changed = differingFields(before, after, allowed);
    if (changed.length > 0) fail('no-change', `${outcomeKey(event)} changed ${changed.join(', ')}`);
    if (allowed.has('decided') && event.commandId !== null && !before.decided.has(event.commandId)) {
      const grew = after.decided.size === before.decided.size + 1 && after.decided.get(event.commandId) === record.offset;
      if (!grew) fail('no-change', `the rejected command id was not recorded once at offset ${record.offset}`);
    }
    const bytes = text === null ? 0 : Buffer.byteLength(text);
    if (bytes > REJECTION_EVENT_BYTES_MAX) {
      fail('echo-bounds', `a ${outcomeKey(event)} event of ${bytes} bytes (more than ${REJECTION_EVENT_BYTES_MAX}): it echoes unbounded input`);
    }
  } else if (text !== null && Buffer.byteLength(text) > LIMITS.commandBytesMax) {
    fail('echo-bounds', `an accepted event of ${Buffer.byteLength(text)} bytes, larger than any command may be`);
  }

  // The size limit: above commandBytesMax a record is MALFORMED for its size, at or below it never for its size.
  if (record.value !== null) {
    const bytes = Buffer.byteLength(record.value, 'utf8');
    const sizeRejection = event.type === 'CommandRejected' && event.data.reason === 'MALFORMED' && event.data.detail.startsWith('the record is ');
    if (bytes > LIMITS.commandBytesMax && !(sizeRejection && event.data.detail.includes(`${bytes} bytes`))) {
      fail('size-limit', `a record of ${bytes} bytes (commandBytesMax ${LIMITS.commandBytesMax}) came out as ${describeEvent(event)}`);
    }
    if (bytes <= LIMITS.commandBytesMax && sizeRejection) fail('size-limit', `a record of ${bytes} bytes was refused for its size`);
  }

  const verdict = oracle(expect, event, record, decideAlone);
  if (verdict !== null) fail('oracle', verdict);
  return { text, failures };
}

function oracle(expect: Expectation, event: FabricEvent, record: CommandRecord, decideAlone: (record: CommandRecord) => FabricEvent): string | null {
  const malformed = event.type === 'CommandRejected' && event.data.reason === 'MALFORMED';
  const wrong = () => `expected ${describeExpectation(expect)}, got ${describeEvent(event)}`;
  switch (expect.kind) {
    case 'malformed':
      return malformed ? null : wrong();
    case 'rejected':
      return event.type === 'CommandRejected' && expect.reasons.includes(event.data.reason) ? null : wrong();
    case 'accepted':
      return event.type === expect.eventType ? null : wrong();
    case 'well-formed':
      // Signed by its actor's key: never NOT_AUTHENTICATED either.
      return malformed || event.type === 'CommandDuplicated' || (event.type === 'CommandRejected' && event.data.reason === 'NOT_AUTHENTICATED') ? wrong() : null;
    case 'duplicate':
      return event.type === 'CommandDuplicated' && event.data.firstOffset === expect.firstOffset ? null : wrong();
    case 'same-as': {
      const plain = decideAlone({ offset: record.offset, value: expect.value });
      const [got, want] = [canonicalJson(event), canonicalJson(plain)];
      return got === want ? null : `decided differently from its plain spelling: ${clipText(got, 300)} vs ${clipText(want, 300)}`;
    }
    case 'any':
      return null;
  }
}

/** Fields of two states that differ (strictly: -0 is not 0), leaving out `skip`. */
function differingFields(a: EndpointState, b: EndpointState, skip: ReadonlySet<string>): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof EndpointState>;
  return [...keys].filter((key) => !skip.has(key) && a[key] !== b[key] && !isDeepStrictEqual(a[key], b[key]));
}

/** Where two JSON-like values differ, as paths (for messages). */
function differingPaths(a: unknown, b: unknown, path = '$'): string[] {
  if (Object.is(a, b)) return [];
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return [`${path}: ${String(a === 0 && 1 / a < 0 ? '-0' : a)} vs ${String(b)}`];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((key) => differingPaths((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`));
}

export function describeEvent(event: FabricEvent): string {
  if (event.type === 'CommandRejected') return `${event.data.reason} (${clipText(event.data.detail, 160)})`;
  if (event.type === 'CommandDuplicated') return `a duplicate of offset ${event.data.firstOffset}`;
  return `accepted (${event.type})`;
}

export function clipText(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length)}… (${text.length} characters)` : text;
}
