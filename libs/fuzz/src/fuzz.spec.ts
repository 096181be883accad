import { describe, expect, it } from 'vitest';
import {
  initialState,
  LIMITS,
  REJECTION_REASONS,
  sequence as realSequence,
  type CommandRecord,
  type EndpointState,
  type FabricEvent,
} from '@plan-fabric/domain';
import { outcomeKey } from './decision-checks';
import { formatFuzzReport, formatFuzzViolations } from './fuzz-report';
import { FUZZ_AUTHORITY } from './fuzz-keys';
import { realStep, runEpisode, runFuzz, type EpisodeEntry, type FuzzReport, type Step } from './fuzz-runner';
import { CATEGORIES, hostileInput, KEY_CHANGE_VARIANTS, SIGNATURE_VARIANTS } from './hostile-inputs';
import { Prng } from './prng';

/** CI size: about 20 s on a loaded 2-core machine (README, "Hostile input"); a timeout, not an assertion on time. */
const CI_COUNT = 20_000;
const CI_SEED = 20_251_203;

const shown = (report: FuzzReport) => `${formatFuzzReport(report)}\n${formatFuzzViolations(report)}`;

describe('fabric fuzz: hostile records through the real decide', () => {
  it(`${CI_COUNT} hostile records: every one gets exactly one sound event and its proper outcome`, () => {
    // A hang is a hang: generous, so a loaded CI machine is not one; `fabric fuzz` runs with 50 ms.
    const report = runFuzz({ seed: CI_SEED, count: CI_COUNT, hangMs: 1_000 });
    process.stdout.write(`\n${formatFuzzReport(report)}\n`);

    expect(report.violations, shown(report)).toEqual([]);
    expect(report.inputs).toBe(CI_COUNT);
    for (const category of CATEGORIES) expect(report.byCategory[category].inputs, category).toBeGreaterThan(0);
    // The run reaches deep into the decider, not only its front door.
    const reasons = Object.keys(report.outcomes);
    expect(report.outcomes['MALFORMED']).toBeGreaterThan(CI_COUNT / 3);
    for (const outcome of ['INVALID_PLAN', 'INVALID_REGISTRATION', 'UNKNOWN_PLAN', 'NOT_AUTHORIZED', 'STALE_GENERATION', 'DUPLICATE', 'accepted: PlanProposed', 'accepted: PlanActivated']) {
      expect(reasons, outcome).toContain(outcome);
    }
    // Signed: valid commands pass authentication and reach every reason; forgeries are refused before anything else.
    for (const reason of REJECTION_REASONS) expect(reasons, reason).toContain(reason);
    for (const outcome of ['accepted: ActorKeyRegistered', 'accepted: ActorKeyRevoked', 'accepted: PlanConfirmed', 'accepted: PlanDeleted']) expect(reasons, outcome).toContain(outcome);
    expect(report.outcomes['NOT_AUTHENTICATED']).toBeLessThan(CI_COUNT / 5);
  }, 300_000);

  it('every attack on a signature and every key change is generated, and each gets its outcome (the oracle checks each one)', () => {
    const entries: EpisodeEntry[] = [];
    let episode = 0;
    while (entries.length < 6_000) {
      const { replayProblem } = runEpisode({
        rng: new Prng(episode + 1),
        endpointId: 'fuzz-endpoint',
        episode: episode++,
        inputs: 400,
        step: realStep,
        hangMs: 1_000,
        recordBytesMax: 2 * LIMITS.commandBytesMax,
        wire: false,
        onEntry: (entry) => {
          entries.push(entry);
          return true;
        },
      });
      expect(replayProblem).toBeNull();
    }
    const failures = entries.flatMap((entry) => entry.failures.map((failure) => `${entry.input?.label ?? 'setup'}: ${failure.check}: ${failure.message}`));
    expect(failures).toEqual([]);
    const outcomesOf = (category: string, variant: string) =>
      new Set(entries.filter((entry) => entry.input?.category === category && entry.input.label.startsWith(`${variant}:`)).map((entry) => outcomeKey(entry.event!)));
    for (const variant of SIGNATURE_VARIANTS) {
      const expected = variant === 'badly typed' || variant === 'wrong log' ? 'MALFORMED' : variant === 'replayed' ? 'DUPLICATE' : 'NOT_AUTHENTICATED';
      expect([...outcomesOf('signature', variant)], variant).toContain(expected);
    }
    for (const variant of KEY_CHANGE_VARIANTS) expect(outcomesOf('key-change', variant).size, variant).toBeGreaterThan(0);
    expect([...outcomesOf('key-change', 'revoke root')]).toEqual(expect.arrayContaining(['INVALID_KEY_CHANGE']));
    expect([...outcomesOf('key-change', 'register non-key')]).toEqual(['INVALID_KEY_CHANGE']);
  }, 120_000);

  it('the same seed gives the same records; another seed gives others', () => {
    const values = (seed: number) => {
      const rng = new Prng(seed);
      let id = 0;
      const state = initialState('fuzz-endpoint');
      return Array.from({ length: 300 }, () => hostileInput({ rng, endpointId: 'fuzz-endpoint', state, freshId: () => `c-${id++}`, recent: [], malformedIds: [], recordBytesMax: 2 * LIMITS.commandBytesMax }).value);
    };
    expect(values(7)).toEqual(values(7));
    expect(values(8)).not.toEqual(values(7));
  });

  it('the PRNG gives the same stream on every machine (old seeds keep reproducing)', () => {
    const rng = new Prng(42);
    expect(Array.from({ length: 4 }, () => rng.uint32())).toEqual(PRNG_42);
    expect(new Prng(2 ** 53 - 1).uint32()).not.toBe(new Prng(2 ** 53 - 2).uint32());
    expect(() => new Prng(-1)).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------- the fuzzer can fail

/** The real step (the fuzzer's authority); the broken steps below wrap it. */
const sequence = realStep;

const isNotAuthenticated = (event: FabricEvent) => event.type === 'CommandRejected' && event.data.reason === 'NOT_AUTHENTICATED';

const isMalformed = (event: FabricEvent) => event.type === 'CommandRejected' && event.data.reason === 'MALFORMED';

/** Deliberately broken sequencer steps, each of which one check must catch. */
interface Broken {
  readonly name: string;
  readonly check: string;
  readonly step: Step;
  readonly hangMs?: number;
}

const BROKEN: readonly Broken[] = [
  {
    name: 'takes any signature',
    check: 'oracle',
    step: (state, record) => realSequence(state, record, { trustRoots: FUZZ_AUTHORITY.trustRoots, verifier: { verify: () => true } }),
  },
  {
    name: 'uses up the id of a NOT_AUTHENTICATED command',
    check: 'no-change',
    step: (state, record) => {
      const step = sequence(state, record);
      if (!isNotAuthenticated(step.event) || step.event.commandId === null) return step;
      return { ...step, state: { ...step.state, decided: new Map([...step.state.decided, [step.event.commandId, record.offset]]) } };
    },
  },
  {
    name: 'crashes on a __proto__ key',
    check: 'crash',
    step: (state, record) => {
      if (record.value?.includes('"__proto__"')) throw new TypeError('Cannot read properties of undefined');
      return sequence(state, record);
    },
  },
  {
    name: 'reads a number sent as a string as out of range (INVALID_PLAN, not MALFORMED)',
    check: 'oracle',
    step: (state, record) => {
      const step = sequence(state, record);
      const event = step.event;
      if (event.type !== 'CommandRejected' || event.data.reason !== 'MALFORMED' || !event.data.detail.includes('must be number')) return step;
      return { ...step, event: { ...event, data: { ...event.data, reason: 'INVALID_PLAN' } } };
    },
  },
  {
    name: 'changes state on a rejection',
    check: 'no-change',
    step: (state, record) => {
      const step = sequence(state, record);
      if (step.event.type !== 'CommandRejected') return step;
      return { ...step, state: { ...step.state, highestProposed: step.state.highestProposed + 1 } };
    },
  },
  {
    name: 'is slow on ConfirmApplied',
    check: 'hang',
    hangMs: 10,
    step: (state, record) => {
      // 25 ms of CPU time, however busy the machine is.
      const start = process.cpuUsage();
      const spent = () => process.cpuUsage(start).user + process.cpuUsage(start).system;
      if (record.value?.includes('"ConfirmApplied"')) while (spent() < 25_000);
      return sequence(state, record);
    },
  },
  {
    name: 'writes an event its schema refuses',
    check: 'schema',
    step: (state, record) => {
      const step = sequence(state, record);
      if (step.event.type !== 'PlanProposed') return step;
      return { ...step, event: { ...step.event, data: { ...step.event.data, ttl: 0 } } };
    },
  },
  {
    name: 'is not deterministic',
    check: 'replay',
    step: (() => {
      let calls = 0;
      return (state: EndpointState, record: CommandRecord) => {
        const step = sequence(state, record);
        calls++;
        if (step.event.type !== 'CommandRejected') return step;
        return { ...step, event: { ...step.event, data: { ...step.event.data, detail: `${step.event.data.detail} #${calls}` } } };
      };
    })(),
  },
  {
    name: 'has no size limit',
    check: 'size-limit',
    step: (state, record) => {
      const oversized = record.value !== null && Buffer.byteLength(record.value) > LIMITS.commandBytesMax;
      return sequence(state, oversized ? { ...record, value: record.value!.trimEnd() } : record);
    },
  },
  {
    name: 'echoes whole records in rejections',
    check: 'echo-bounds',
    step: (state, record) => {
      const step = sequence(state, record);
      if (!isMalformed(step.event) || step.event.type !== 'CommandRejected') return step;
      return { ...step, event: { ...step.event, data: { ...step.event.data, detail: (record.value ?? '').slice(0, 10_000) } } };
    },
  },
  {
    name: 'decides -0 where its event says 0',
    check: 'fold',
    step: (state, record) => {
      // -0 passes the schema (an integer) but is written as 0: a rebuild from the log would not hold what was decided.
      const step = sequence(state, record);
      if (step.event.type !== 'PlanActivated' || step.event.data.previousGeneration !== null) return step;
      return { ...step, event: { ...step.event, data: { ...step.event.data, previousGeneration: -0 } } };
    },
  },
];

describe('the fuzzer is not vacuous: a broken step is caught', () => {
  it('a violation reproduces from its seed: --count index+1 ends on the same record', () => {
    const broken = BROKEN.find((candidate) => candidate.check === 'crash')!;
    const first = runFuzz({ seed: 5, count: 3_000, step: broken.step, violationsMax: 1 }).violations[0]!;
    const again = runFuzz({ seed: 5, count: first.index + 1, step: broken.step });
    const last = again.violations[again.violations.length - 1]!;
    expect([last.index, last.category, last.label, last.value]).toEqual([first.index, first.category, first.label, first.value]);
  });

  it.each(BROKEN)('a step that $name fails the $check check', ({ check, step, hangMs }) => {
    const report = runFuzz({ seed: 11, count: 1_500, step, hangMs: hangMs ?? 1_000, violationsMax: 5 });
    expect(report.violations.map((violation) => violation.check), shown(report)).toContain(check);
  });
});

const PRNG_42 = [1028872839, 2516511472, 400437680, 853279530];
