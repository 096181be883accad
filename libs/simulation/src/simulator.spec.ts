import { describe, expect, it } from 'vitest';
import { BROKEN_VARIANTS } from './broken';
import { shrinkFailure } from './shrink';
import { runSeeds } from './sim-runner';
import { simulateChoices, simulateSeed, SIM_CHECKS, type SimOptions } from './simulator';

/** CI size: 1,000 seeds of 500 agenda steps each (then each run drains and is checked as a whole); `fabric sim` runs 1,000 steps a seed. */
const CI_SEEDS = 1_000;
const CI_STEPS = 500;

describe('fabric sim: the real decide under races, faults and crashes', () => {
  it(`${CI_SEEDS} seeds: no invariant broken, and the runs reach the races that matter`, () => {
    const summary = runSeeds({ firstSeed: 1, seeds: CI_SEEDS, steps: CI_STEPS });
    const failures = summary.failed.map((result) => `seed ${result.seed}: ${result.failure!.invariant}: ${result.failure!.message}`);
    expect(failures).toEqual([]);
    expect(summary.seedsRun).toBe(CI_SEEDS);
    expect(summary.steps).toBeGreaterThanOrEqual(CI_SEEDS * CI_STEPS);
    // Not vacuous: the simulated world did produce the incident's ingredients, and the fabric refused them.
    expect(summary.stalls).toBeGreaterThan(100);
    expect(summary.writesRefused).toBeGreaterThan(100); // stale writes the fence stopped
    expect(summary.crashes).toBeGreaterThan(100);
    expect(summary.duplicatesSent).toBeGreaterThan(100);
    // Attackers forged commands, and every one was refused NOT_AUTHENTICATED (the A1 check fails the seed otherwise).
    expect(summary.forged).toBeGreaterThan(100);
    expect(summary.forgedRefused).toBe(summary.forged);
    for (const outcome of ['PlanActivated', 'PlanConfirmed', 'PlanDeleted', 'CommandDuplicated', 'STALE_GENERATION', 'QUORUM_NOT_REACHED', 'WOULD_LEAVE_NO_VALID_PLAN', 'CAPACITY_DROP_TOO_LARGE', 'OUT_OF_ORDER_CONFIRMATION', 'ALREADY_ACTIVE', 'ActorKeyRegistered', 'NOT_AUTHENTICATED']) {
      expect(summary.outcomes[outcome] ?? 0, outcome).toBeGreaterThan(0);
    }
  }, 300_000);

  it('is deterministic: one seed gives the same trace twice, and its recorded choices replay it', () => {
    const options: SimOptions = { steps: 3_000 };
    const first = simulateSeed(4242, options);
    const second = simulateSeed(4242, options);
    expect(first.failure).toBeNull();
    expect(second.hash).toBe(first.hash);
    expect(second.choices).toEqual(first.choices);
    expect(simulateChoices(first.choices, options).hash).toBe(first.hash);
    expect(simulateSeed(4243, options).hash).not.toBe(first.hash);
  });

  it('keys are registered through the log: replaying the command log alone, with the trust root, verifies every command', () => {
    const result = simulateSeed(7, { steps: 300, keepTrace: true });
    expect(result.failure).toBeNull();
    expect(result.stats.outcomes['ActorKeyRegistered']).toBe(result.config.planners + result.config.enactors + result.config.janitors);
    expect(result.trace!.some((line) => /sends RegisterActorKey/.test(line))).toBe(true);
  });
});

describe('fabric sim can fail: deliberately broken fabrics are found, replayed and shrunk', () => {
  it.each([
    ['fence', SIM_CHECKS.backend],
    ['quorum', 'I3 deletes follow quorum'],
    ['signatures', SIM_CHECKS.forgeries],
  ] as const)('broken %s: found within 40 seeds, replays exactly, shrinks to a short trace', (variant, invariant) => {
    const options: SimOptions = { steps: CI_STEPS, ...BROKEN_VARIANTS[variant].options };
    const found = runSeeds({ ...options, firstSeed: 1, seeds: 40, failuresMax: 1 });
    const failing = found.failed[0];
    expect(failing?.failure?.invariant).toBe(invariant);

    const again = simulateSeed(failing!.seed!, options);
    expect(again.hash).toBe(failing!.hash);
    expect(again.failure).toEqual(failing!.failure);

    const shrunk = shrinkFailure(failing!, options, { runsMax: 600 });
    const trace = shrunk.result.trace!;
    expect(shrunk.result.failure!.invariant).toBe(invariant);
    expect(shrunk.result.failure!.step).toBeLessThanOrEqual(failing!.failure!.step);
    expect(shrunk.choices.length).toBeLessThan(failing!.choices.length);
    expect(trace.length).toBeLessThan(80);
    expect(trace.at(-1)).toContain(`VIOLATION ${invariant}`);
    // The shrunk recording is itself a replayable failure.
    expect(simulateChoices(shrunk.choices, { ...options, keepTrace: true }).trace).toEqual(trace);
  }, 120_000);
});
