import {
  canonicalJson,
  checkStep,
  confirmationsOfActive,
  decide,
  deletedGenerations,
  evolve,
  GENESIS_HASH,
  initialState,
  parseEvent,
  sha256Hex,
  validGenerations,
  type EndpointState,
  type FabricEvent,
  type InvariantViolation,
  type Authority,
} from '@plan-fabric/domain';
import { compareText, type ProjectionRows } from '@plan-fabric/db';

/**
 * The audit's checks over an endpoint's logs, pure: they take the records as
 * read from the topics and say where the first problem is. Reading (Kafka,
 * Postgres) is in audit-run.ts.
 */

/** One record of a single-partition topic: its offset and its value as text (null if it had none). */
export interface LogRecord {
  readonly offset: number;
  readonly value: string | null;
}

/** Reports progress of a long check: `done` of `total` ("command records replayed"). */
export type ProgressSink = (step: string, done: number, total: number) => void;

export interface CheckOptions {
  /** Call `progress` every this many records (0: never). */
  readonly progressEvery?: number;
  readonly progress?: ProgressSink;
}

function ticker(options: CheckOptions, step: string, total: number): (done: number) => void {
  const every = options.progressEvery ?? 0;
  const sink = options.progress;
  if (sink === undefined || every <= 0) return () => undefined;
  return (done) => {
    if (done % every === 0 && done < total) sink(step, done, total);
  };
}

// ---------------------------------------------------------------- replay (invariant 6)

/** Where replaying the command log first disagrees with the recorded event log. */
export interface ReplayDivergence {
  /** Position in the event log, as the seq the event there should carry. */
  readonly seq: number;
  /** The command record decided at that position; null when the command log has no record left for it. */
  readonly commandOffset: number | null;
  /** Events topic offset of the record found there; null when the event log ended before it. */
  readonly eventOffset: number | null;
  /** The canonical bytes decide produces there (null: nothing, the command log is exhausted). */
  readonly expected: string | null;
  /** The bytes recorded there (null: nothing, the event log ended). */
  readonly found: string | null;
  /** Index of the first character where expected and found differ. */
  readonly at: number;
}

export interface ReplayResult {
  readonly ok: boolean;
  /** Command records replayed: those the sequencer has decided. */
  readonly decided: number;
  /** Command records after them: not decided yet (the sequencer is behind), not compared. */
  readonly pending: number;
  /** First offset not decided, and what says so. */
  readonly decidedEnd: { readonly offset: number; readonly from: 'sequencer offset' | 'event log' };
  readonly divergence: ReplayDivergence | null;
  /** A problem that is not a byte difference: a truncated log, an invariant decide broke. */
  readonly problem: string | null;
}

/**
 * Replays the command log through decide and compares every event with the
 * recorded one byte for byte (invariant 6). The records compared are those
 * the sequencer has decided: below its committed offset (read before the
 * logs; it commits events and offset in one transaction) or, if unknown, up
 * to the command of the last recorded event. Without the committed offset a
 * removed last event looks like a sequencer that is behind: say so.
 */
export function checkReplay(
  endpointId: string,
  commands: readonly LogRecord[],
  events: readonly LogRecord[],
  sequencerOffset: number | null,
  authority: Authority,
  options: CheckOptions & { readonly commandLogStart?: number } = {},
): ReplayResult {
  const lastCommandOffset = lastRecordedCommandOffset(events);
  const fromEvents = lastCommandOffset === null ? 0 : lastCommandOffset + 1;
  const decidedEnd =
    sequencerOffset !== null && sequencerOffset >= fromEvents
      ? { offset: sequencerOffset, from: 'sequencer offset' as const }
      : { offset: fromEvents, from: 'event log' as const };
  const decided = commands.filter((record) => record.offset < decidedEnd.offset);
  const base = { decided: decided.length, pending: commands.length - decided.length, decidedEnd };
  if ((options.commandLogStart ?? 0) > 0) {
    return {
      ...base,
      ok: false,
      divergence: null,
      problem: `the command log starts at offset ${options.commandLogStart}: earlier records were deleted, so it cannot be replayed (topics must keep retention.ms=-1)`,
    };
  }

  const tick = ticker(options, 'command records replayed', decided.length);
  let state = initialState(endpointId);
  for (const [index, record] of decided.entries()) {
    const event = decide(state, record, authority);
    const after = evolve(state, event);
    const expected = canonicalJson(event);
    const found = events[index];
    if (found === undefined || found.value !== expected) {
      return {
        ...base,
        ok: false,
        divergence: divergenceAt(index + 1, record.offset, found ?? null, expected),
        problem: null,
      };
    }
    const violations = checkStep({ before: state, event, after });
    if (violations.length > 0) return { ...base, ok: false, divergence: null, problem: `replay broke ${describeViolations(violations)}` };
    state = after;
    tick(index + 1);
  }
  const extra = events[decided.length];
  if (extra !== undefined) {
    return { ...base, ok: false, divergence: divergenceAt(decided.length + 1, null, extra, null), problem: null };
  }
  return { ...base, ok: true, divergence: null, problem: null };
}

function divergenceAt(seq: number, commandOffset: number | null, found: LogRecord | null, expected: string | null): ReplayDivergence {
  const foundText = found === null ? null : found.value;
  return {
    seq,
    commandOffset,
    eventOffset: found === null ? null : found.offset,
    expected,
    found: foundText,
    at: firstDifference(expected ?? '', foundText ?? ''),
  };
}

/** The commandOffset of the last event record that has one (a tampered record may not). */
function lastRecordedCommandOffset(events: readonly LogRecord[]): number | null {
  for (let index = events.length - 1; index >= 0; index--) {
    const offset = field(events[index]?.value ?? null, 'commandOffset');
    if (typeof offset === 'number' && Number.isSafeInteger(offset)) return offset;
  }
  return null;
}

// ---------------------------------------------------------------- hash chain and seq

export interface ChainBreak {
  /** The seq the record claims (null if it has none), and its events topic offset. */
  readonly seq: number | null;
  readonly eventOffset: number;
  /** SHA-256 of the record before it as found (64 zeros for the first). */
  readonly expected: string;
  /** The prevHash the record carries (null: none). */
  readonly found: string | null;
}

export interface ChainResult {
  readonly ok: boolean;
  /** Links verified before the first break (all of them when ok). */
  readonly links: number;
  readonly firstBreak: ChainBreak | null;
}

/**
 * Verifies the hash chain over the records exactly as found: each record's
 * prevHash must be the SHA-256 of the previous record's bytes. An edited
 * record breaks the link after it; a removed or moved one breaks the link
 * where the order changed.
 */
export function checkChain(events: readonly LogRecord[], options: CheckOptions = {}): ChainResult {
  const tick = ticker(options, 'chain links verified', events.length);
  let expected = GENESIS_HASH;
  for (const [index, record] of events.entries()) {
    const prevHash = field(record.value, 'prevHash');
    const found = typeof prevHash === 'string' ? prevHash : null;
    if (found !== expected) {
      const seq = field(record.value, 'seq');
      return {
        ok: false,
        links: index,
        firstBreak: { seq: typeof seq === 'number' ? seq : null, eventOffset: record.offset, expected, found },
      };
    }
    expected = sha256Hex(record.value ?? '');
    tick(index + 1);
  }
  return { ok: true, links: events.length, firstBreak: null };
}

export interface SequenceResult {
  readonly ok: boolean;
  /** The first record whose seq is not its position (1, 2, 3…): a gap, a repeat or a move. */
  readonly firstGap: { readonly eventOffset: number; readonly expected: number; readonly found: number | null } | null;
}

/** Invariant 5's half about the event log: seq 1, 2, 3… without gaps or repeats. */
export function checkSequence(events: readonly LogRecord[]): SequenceResult {
  for (const [index, record] of events.entries()) {
    const seq = field(record.value, 'seq');
    if (seq !== index + 1) {
      return { ok: false, firstGap: { eventOffset: record.offset, expected: index + 1, found: typeof seq === 'number' ? seq : null } };
    }
  }
  return { ok: true, firstGap: null };
}

// ---------------------------------------------------------------- state as of a seq

export interface StateAt {
  readonly state: EndpointState;
  /** The event at the requested seq, and its events topic offset. */
  readonly event: FabricEvent;
  readonly eventOffset: number;
  /** The chain from seq 1 up to this event: ok, or the first break. */
  readonly chain: ChainResult;
  /** Invariant violations found while folding up to seq (none in a sound log). */
  readonly violations: readonly InvariantViolation[];
}

/** Folds the event log up to and including `seq`: the endpoint's state as of that event. */
export function stateAt(endpointId: string, events: readonly LogRecord[], seq: number): StateAt {
  if (!Number.isSafeInteger(seq) || seq < 1) throw new RangeError(`--at-seq must be a positive integer (got ${seq})`);
  if (seq > events.length) {
    throw new RangeError(`endpoint '${endpointId}' has ${events.length} events; there is no seq ${seq} — pick 1..${events.length}`);
  }
  const prefix = events.slice(0, seq);
  const violations: InvariantViolation[] = [];
  let state = initialState(endpointId);
  let last: FabricEvent | null = null;
  for (const record of prefix) {
    if (record.value === null) throw new Error(`event record at offset ${record.offset} has no value; the log cannot be folded past it`);
    const event = parseEvent(record.value);
    const after = evolve(state, event);
    violations.push(...checkStep({ before: state, event, after }));
    state = after;
    last = event;
  }
  const lastRecord = prefix[prefix.length - 1] as LogRecord;
  return { state, event: last as FabricEvent, eventOffset: lastRecord.offset, chain: checkChain(prefix), violations };
}

/** What an operator asks of a state: the live plan, what is valid, deleted and pending, who confirmed. */
export interface StateView {
  readonly registered: boolean;
  readonly enactors: readonly string[];
  readonly quorum: number | null;
  readonly minValidPlans: number | null;
  readonly maxCapacityDropPercent: number | null;
  readonly active: { readonly generation: number; readonly activation: number } | null;
  readonly validGenerations: number[];
  readonly deletedGenerations: number[];
  readonly pendingGenerations: number[];
  readonly highestProposed: number;
  readonly confirmed: ReadonlyArray<readonly [string, number | null]>;
  readonly confirmationsOfActive: number;
  readonly lastEventSeq: number;
  readonly lastEventHash: string;
}

export function viewOf(state: EndpointState): StateView {
  const active = state.active;
  return {
    registered: state.config !== null,
    enactors: state.config?.enactors ?? [],
    quorum: state.config?.quorum ?? null,
    minValidPlans: state.config?.minValidPlans ?? null,
    maxCapacityDropPercent: state.config?.maxCapacityDropPercent ?? null,
    active: active === null ? null : { generation: active.generation, activation: active.activation },
    validGenerations: validGenerations(state),
    deletedGenerations: deletedGenerations(state),
    pendingGenerations: [...state.plans.values()]
      .filter((plan) => !plan.deleted && (active === null || plan.generation > active.generation))
      .map((plan) => plan.generation)
      .sort((a, b) => a - b),
    highestProposed: state.highestProposed,
    confirmed: [...state.confirmed.entries()].sort(([a], [b]) => compareText(a, b)),
    confirmationsOfActive: confirmationsOfActive(state),
    lastEventSeq: state.nextSeq - 1,
    lastEventHash: state.lastEventHash,
  };
}

// ---------------------------------------------------------------- projection rows (invariant 7)

export interface RowDifference {
  /** Table (without schema), the row's key, and the column that differs ('(row)': the row is missing on one side). */
  readonly table: string;
  readonly key: string;
  readonly column: string;
  /** As the rebuild from the event log has it, and as the live table has it. */
  readonly expected: string;
  readonly found: string;
}

type Row = object;

/** The first row in which the live tables differ from the rebuild, table by table in key order; null if equal. */
export function firstRowDifference(rebuilt: ProjectionRows | null, live: ProjectionRows | null): RowDifference | null {
  if (rebuilt === null && live === null) return null;
  const endpointKey = `endpoint_id=${rebuilt?.endpoint.endpointId ?? live?.endpoint.endpointId ?? '?'}`;
  const tables: ReadonlyArray<readonly [string, (rows: ProjectionRows) => readonly Row[], (row: Row) => string]> = [
    ['endpoints', (rows) => [rows.endpoint], () => endpointKey],
    ['plans', (rows) => rows.plans, (row) => `generation=${(row as { generation: number }).generation}`],
    ['enactor_progress', (rows) => rows.progress, (row) => `enactor_id=${(row as { enactorId: string }).enactorId}`],
    ['decisions', (rows) => rows.decisions, (row) => `command_offset=${(row as { commandOffset: number }).commandOffset}`],
    ['events', (rows) => rows.events, (row) => `seq=${(row as { seq: number }).seq}`],
  ];
  for (const [table, rowsOf, keyOf] of tables) {
    const expected = new Map((rebuilt === null ? [] : rowsOf(rebuilt)).map((row) => [keyOf(row), row]));
    const found = new Map((live === null ? [] : rowsOf(live)).map((row) => [keyOf(row), row]));
    const keys = [...new Set([...expected.keys(), ...found.keys()])].sort(keyOrder);
    for (const key of keys) {
      const a = expected.get(key);
      const b = found.get(key);
      if (a === undefined || b === undefined) {
        return { table, key, column: '(row)', expected: a === undefined ? 'no row' : 'a row', found: b === undefined ? 'no row' : 'a row' };
      }
      for (const column of Object.keys({ ...a, ...b })) {
        const x = canonicalJson((a as Record<string, unknown>)[column] ?? null);
        const y = canonicalJson((b as Record<string, unknown>)[column] ?? null);
        if (x !== y) return { table, key, column: snakeCase(column), expected: x, found: y };
      }
    }
  }
  return null;
}

/** Keys like `generation=10` sort by their number when both have one. */
function keyOrder(a: string, b: string): number {
  const x = Number(a.slice(a.indexOf('=') + 1));
  const y = Number(b.slice(b.indexOf('=') + 1));
  return Number.isFinite(x) && Number.isFinite(y) && x !== y ? x - y : compareText(a, b);
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

// ---------------------------------------------------------------- helpers

/** A top-level member of a record's JSON, or undefined if the record is not a JSON object. */
function field(value: string | null, name: string): unknown {
  if (value === null) return undefined;
  try {
    const document = JSON.parse(value) as unknown;
    return document !== null && typeof document === 'object' ? (document as Record<string, unknown>)[name] : undefined;
  } catch {
    return undefined;
  }
}

export function firstDifference(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return i;
  return length;
}

function describeViolations(violations: readonly InvariantViolation[]): string {
  return violations.map((v) => `${v.invariant} at seq ${v.seq}: ${v.message}`).join('; ');
}
