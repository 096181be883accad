import { performance } from 'node:perf_hooks';
import {
  canonicalJson,
  initialState,
  LIMITS,
  replay,
  sequence,
  type CommandRecord,
  type EndpointState,
  type FabricEvent,
} from '@plan-fabric/domain';
import { FUZZ_ACTORS, keyDocs, setupDocs } from './command-docs';
import { checkDecision, outcomeKey, type CheckFailure } from './decision-checks';
import { rejected, WELL_FORMED, type Expectation } from './expectations';
import { actorKey, FUZZ_AUTHORITY, signerFor } from './fuzz-keys';
import { CATEGORIES, hostileInput, signedRecordText, type Category, type DecidedCommand, type HostileInput } from './hostile-inputs';
import { Prng } from './prng';

/** The step under test: the sequencer's decide + evolve. Tests pass broken ones to show the fuzzer can fail. */
export type Step = (state: EndpointState, record: CommandRecord) => { event: FabricEvent; state: EndpointState };

/** The real sequencer step, with the fuzzer's authority: the simulation trust root (libs/domain sim-identities). */
export const realStep: Step = (state, record) => sequence(state, record, FUZZ_AUTHORITY);

export const FUZZ_DEFAULTS = {
  /** Hostile records per endpoint log; each episode starts from a fresh endpoint. */
  episodeInputs: 400,
  /** A decision taking more CPU time than this (best of three tries) counts as a hang. */
  hangMs: 50,
  /** Largest record built in the pure run: 16 × commandBytesMax, just past what Kafka delivers by default (1 MiB). */
  recordBytesMax: 1024 * 1024 + 2,
  /** The run stops collecting (and stops) after this many violations. */
  violationsMax: 20,
  endpointId: 'fuzz-endpoint',
} as const;

export interface FuzzViolation {
  /** Input number in the run (0-based); `--count index+1` reproduces it as the run's last input. */
  readonly index: number;
  readonly episode: number;
  /** Offset of the record in its episode's command log. */
  readonly offset: number;
  readonly category: Category | 'setup' | 'replay';
  readonly label: string;
  readonly check: string;
  readonly message: string;
  /** The record's value in full (null: no value). */
  readonly value: string | null;
}

/** One record decided in an episode, with everything a report or the edge run needs. */
export interface EpisodeEntry {
  /** Null for the episode's setup records. */
  readonly input: HostileInput | null;
  readonly record: CommandRecord;
  /** The record's bytes as sent to Kafka. */
  readonly bytes: Uint8Array | null;
  /** Null when the step threw. */
  readonly event: FabricEvent | null;
  /** The event's canonical JSON (null when it could not be written). */
  readonly text: string | null;
  /**
   * CPU time of the decision (best of three when it was slow): what the decision costs, whatever else
   * the machine runs. Wall-clock time would count the waits of an oversubscribed machine as hangs.
   */
  readonly cpuMicros: number;
  readonly wallMicros: number;
  readonly failures: readonly CheckFailure[];
}

export interface EpisodeOptions {
  readonly rng: Prng;
  readonly endpointId: string;
  readonly episode: number;
  readonly inputs: number;
  readonly step: Step;
  readonly hangMs: number;
  readonly recordBytesMax: number;
  /** Decide each record as Kafka delivers it: its UTF-8 bytes decoded again (lone surrogates become U+FFFD). */
  readonly wire: boolean;
  /** Extra records to put before hostile input number `position` (the edge run's probes). */
  readonly probesAt?: (position: number) => readonly HostileInput[];
  /** Called for every record decided; return false to end the episode early. */
  readonly onEntry: (entry: EpisodeEntry) => boolean;
}

/** Decisions slower than this are timed twice more and the best kept. */
const RETIME_MICROS = 5_000;

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

/**
 * One endpoint's command log under fuzz: a few hostile records while the
 * endpoint is unregistered, the setup (registered, plans 1 and 2, plan 2
 * active), then hostile records, each decided by the step under test against
 * the state so far and checked. Ends by replaying the whole log through the
 * real `replay`, which must reproduce the event log byte for byte.
 */
export function runEpisode(options: EpisodeOptions): { records: CommandRecord[]; eventTexts: string[]; replayProblem: string | null } {
  const { rng, endpointId, step } = options;
  let state = initialState(endpointId);
  const records: CommandRecord[] = [];
  const eventTexts: string[] = [];
  const recent: DecidedCommand[] = [];
  const malformedIds: string[] = [];
  let idCount = 0;
  const idPrefix = `c${options.episode}`;
  // Fresh means not decided yet: a random edit of an earlier record may have produced a later counter's id.
  const freshId = () => {
    let id: string;
    do id = `${idPrefix}-${idCount++}`;
    while (state.decided.has(id));
    return id;
  };
  const hangMicros = options.hangMs * 1000;

  const decideOne = (input: HostileInput | null, generated: { value: string | null; bytes?: Uint8Array }, expect = input?.expect ?? WELL_FORMED): boolean => {
    const bytes = generated.bytes ?? (generated.value === null ? null : Buffer.from(generated.value, 'utf8'));
    const value = options.wire && bytes !== null ? Buffer.from(bytes).toString('utf8') : flat(generated.value);
    const record: CommandRecord = { offset: records.length, value };
    const before = state;
    let result: ReturnType<Step>;
    let cpuMicros: number;
    let wallMicros: number;
    try {
      const cpu = process.cpuUsage();
      const started = performance.now();
      result = step(before, record);
      wallMicros = (performance.now() - started) * 1000;
      cpuMicros = cpuSince(cpu);
      // A slow decision may be a pause of the runtime (GC): it counts (for the maximum, and as a hang)
      // only if it is slow every time.
      for (let retry = 0; retry < 2 && cpuMicros > Math.min(hangMicros, RETIME_MICROS); retry++) {
        const again = process.cpuUsage();
        step(before, record);
        cpuMicros = Math.min(cpuMicros, cpuSince(again));
      }
    } catch (error) {
      return options.onEntry({
        input,
        record,
        bytes,
        event: null,
        text: null,
        cpuMicros: 0,
        wallMicros: 0,
        failures: [{ check: 'crash', message: `the step threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` }],
      });
    }
    const wireExpect = options.wire ? onTheWire(expect, generated.value, value) : expect;
    const { text, failures } = checkDecision({ before, record, event: result.event, after: result.state }, wireExpect, (other) => step(before, other).event);
    if (cpuMicros > hangMicros) {
      failures.push({ check: 'hang', message: `decided in ${Math.round(cpuMicros / 1000)} ms of CPU time, over the ${options.hangMs} ms bound (best of three)` });
    }
    state = result.state;
    records.push(record);
    eventTexts.push(text ?? '<unwritable event>');
    const event = result.event;
    if (event.commandId !== null && state.decided.get(event.commandId) === record.offset && before.decided.get(event.commandId) === undefined && value !== null) {
      recent.push({ commandId: event.commandId, value, offset: record.offset });
      if (recent.length > 64) recent.shift();
    } else if (event.type === 'CommandRejected' && event.data.reason === 'MALFORMED' && event.commandId !== null) {
      const points = [...event.commandId].length;
      if (points >= 1 && points <= LIMITS.idLengthMax && !malformedIds.includes(event.commandId)) {
        malformedIds.push(event.commandId);
        if (malformedIds.length > 64) malformedIds.shift();
      }
    }
    return options.onEntry({ input, record, bytes, event, text, cpuMicros, wallMicros, failures });
  };

  const context = () => ({ rng, endpointId, state, freshId, recent, malformedIds, recordBytesMax: options.recordBytesMax });
  const unregisteredInputs = Math.min(options.inputs, rng.int(0, 16));
  let going = true;
  // Once the endpoint is registered (by the setup, or by a hostile registration before it), the operator registers the
  // key of every enactor it lists that has none: the generators' commands of listed enactors are then authenticated.
  let keyedFor: EndpointState['config'] = null;
  const keyListedEnactors = () => {
    const config = state.config;
    if (config === null || config === keyedFor) return;
    keyedFor = config;
    for (const id of config.enactors) {
      const actor = { role: 'enactor', id } as const;
      if (!going || signerFor(state, actor) !== null) continue;
      const doc = { commandId: freshId(), endpointId, actor: { ...FUZZ_ACTORS.operator }, type: 'RegisterActorKey', payload: { actor: { ...actor }, publicKey: actorKey(actor).publicKey } };
      going = decideOne(null, { value: signedRecordText({ endpointId, state }, doc) });
    }
  };
  const hostile = (position: number) => {
    for (const probe of options.probesAt?.(position) ?? []) if (going) going = decideOne(probe, probe);
    if (!going) return;
    const input = hostileInput(context());
    going = decideOne(input, input);
    keyListedEnactors();
  };
  // The operator registers the actors' keys first, then hostile records hit the unregistered endpoint, then the setup.
  for (const doc of keyDocs(endpointId, idPrefix)) if (going) going = decideOne(null, { value: signedRecordText({ endpointId, state }, doc) });
  for (let position = 0; position < unregisteredInputs && going; position++) hostile(position);
  for (const doc of setupDocs(endpointId, idPrefix)) {
    if (going) going = decideOne(null, { value: signedRecordText({ endpointId, state }, doc) });
    keyListedEnactors();
  }
  for (let position = unregisteredInputs; position < options.inputs && going; position++) hostile(position);
  if (going) for (const probe of options.probesAt?.(options.inputs) ?? []) if (going) going = decideOne(probe, probe);

  let replayProblem: string | null = null;
  try {
    const replayed = replay(endpointId, records, FUZZ_AUTHORITY).events.map((event) => canonicalJson(event));
    const at = replayed.findIndex((text, index) => text !== eventTexts[index]);
    if (replayed.length !== eventTexts.length) replayProblem = `replay gave ${replayed.length} events for ${eventTexts.length}`;
    else if (at >= 0) replayProblem = `replay differs at offset ${records[at]!.offset}: ${replayed[at]!.slice(0, 300)} vs ${eventTexts[at]!.slice(0, 300)}`;
  } catch (error) {
    replayProblem = `replay threw: ${(error as Error).message}`;
  }
  return { records, eventTexts, replayProblem };
}

/**
 * The expectation for a record as Kafka delivers it. A text that does not
 * survive UTF-8 (a lone surrogate becomes U+FFFD) is no longer the command its
 * producer signed: whatever a well-formed command would have come to, it is
 * NOT_AUTHENTICATED. A differential oracle compares with its plain spelling
 * as delivered.
 */
function onTheWire(expect: Expectation, sent: string | null, delivered: string | null): Expectation {
  if (expect.kind === 'same-as') return { ...expect, value: Buffer.from(expect.value, 'utf8').toString('utf8') };
  const mangled = sent !== null && delivered !== sent;
  const decidedOnMerits = expect.kind === 'rejected' || expect.kind === 'accepted' || expect.kind === 'well-formed' || expect.kind === 'duplicate';
  return mangled && decidedOnMerits ? rejected('NOT_AUTHENTICATED') : expect;
}

/**
 * The same text as one flat string. Values built by repeat and concatenation are
 * V8 rope strings, which make every charCodeAt slow; a value read from Kafka is
 * always flat, so decisions are timed on flat strings. UTF-16 keeps lone surrogates.
 */
function flat(value: string | null): string | null {
  return value === null || value.length < 4096 ? value : Buffer.from(value, 'utf16le').toString('utf16le');
}

export interface FuzzOptions {
  readonly seed: number;
  /** Hostile records to decide (setup records come on top). */
  readonly count: number;
  readonly step?: Step;
  readonly episodeInputs?: number;
  readonly hangMs?: number;
  readonly recordBytesMax?: number;
  readonly violationsMax?: number;
  readonly endpointId?: string;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface CategoryTally {
  inputs: number;
  readonly outcomes: Record<string, number>;
}

export interface FuzzReport {
  readonly seed: number;
  readonly count: number;
  /** Hostile records decided. */
  readonly inputs: number;
  readonly setupRecords: number;
  readonly episodes: number;
  readonly byCategory: Readonly<Record<Category, CategoryTally>>;
  /** Hostile records by outcome: a rejection reason, DUPLICATE, or `accepted: <event>`. */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly recordBytesMax: number;
  /** The costliest decision, in CPU time (best of three when slow). */
  readonly maxDecideMicros: number;
  readonly slowest: { readonly index: number; readonly category: Category; readonly label: string } | null;
  /** Wall-clock time spent in the step alone, and in the whole run (generation, checks, replay). */
  readonly decideSeconds: number;
  readonly wallSeconds: number;
  readonly violations: readonly FuzzViolation[];
  /** Violations found, including any beyond those kept. */
  readonly violationCount: number;
}

/** Feeds `count` hostile records through the step (the real `sequence` by default) and checks each decision. */
export function runFuzz(options: FuzzOptions): FuzzReport {
  const started = performance.now();
  const rng = new Prng(options.seed);
  const step = options.step ?? realStep;
  const episodeInputs = options.episodeInputs ?? FUZZ_DEFAULTS.episodeInputs;
  const violationsMax = options.violationsMax ?? FUZZ_DEFAULTS.violationsMax;
  const recordBytesMax = options.recordBytesMax ?? FUZZ_DEFAULTS.recordBytesMax;
  const progressEvery = Math.max(1, Math.ceil(options.count / 10));
  const byCategory = Object.fromEntries(CATEGORIES.map((category) => [category, { inputs: 0, outcomes: {} }])) as Record<Category, CategoryTally>;
  const outcomes: Record<string, number> = {};
  const violations: FuzzViolation[] = [];
  let violationCount = 0;
  let inputs = 0;
  let setupRecords = 0;
  let episodes = 0;
  let decideMicros = 0;
  let maxDecideMicros = 0;
  let slowest: FuzzReport['slowest'] = null;

  while (inputs < options.count && violationCount < violationsMax) {
    const episode = episodes++;
    const { replayProblem, records } = runEpisode({
      rng,
      endpointId: options.endpointId ?? FUZZ_DEFAULTS.endpointId,
      episode,
      inputs: Math.min(episodeInputs, options.count - inputs),
      step,
      hangMs: options.hangMs ?? FUZZ_DEFAULTS.hangMs,
      recordBytesMax,
      wire: false,
      onEntry: (entry) => {
        const index = inputs;
        if (entry.input === null) setupRecords++;
        else {
          inputs++;
          decideMicros += entry.wallMicros;
          const tally = byCategory[entry.input.category];
          tally.inputs++;
          if (entry.event !== null) {
            const key = outcomeKey(entry.event);
            tally.outcomes[key] = (tally.outcomes[key] ?? 0) + 1;
            outcomes[key] = (outcomes[key] ?? 0) + 1;
          }
          if (entry.cpuMicros > maxDecideMicros) {
            maxDecideMicros = entry.cpuMicros;
            slowest = { index, category: entry.input.category, label: entry.input.label };
          }
          if (inputs % progressEvery === 0) options.onProgress?.(inputs, options.count);
        }
        for (const failure of entry.failures) {
          violationCount++;
          if (violations.length < violationsMax) {
            violations.push({
              index: entry.input === null ? -1 : index,
              episode,
              offset: entry.record.offset,
              category: entry.input?.category ?? 'setup',
              label: entry.input?.label ?? 'setup record',
              check: failure.check,
              message: failure.message,
              value: entry.record.value,
            });
          }
        }
        return violationCount < violationsMax;
      },
    });
    if (replayProblem !== null) {
      violationCount++;
      violations.push({ index: inputs - 1, episode, offset: records.length, category: 'replay', label: `episode ${episode}`, check: 'replay', message: replayProblem, value: null });
    }
  }
  return {
    seed: options.seed,
    count: options.count,
    inputs,
    setupRecords,
    episodes,
    byCategory,
    outcomes,
    recordBytesMax,
    maxDecideMicros,
    slowest,
    decideSeconds: decideMicros / 1e6,
    wallSeconds: (performance.now() - started) / 1000,
    violations,
    violationCount,
  };
}
