import { simulateSeed, type SimOptions, type SimResult } from './simulator';

export interface SeedsOptions extends SimOptions {
  readonly firstSeed: number;
  readonly seeds: number;
  /** Called about every `progressEveryMs` of wall time. */
  readonly onProgress?: (progress: SeedsProgress) => void;
  readonly progressEveryMs?: number;
  /** Stop after this many failing seeds (default: run them all). */
  readonly failuresMax?: number;
}

export interface SeedsProgress {
  readonly seedsRun: number;
  readonly seeds: number;
  readonly steps: number;
  readonly elapsedMs: number;
  readonly failures: number;
}

export interface SeedsSummary extends SeedsProgress {
  readonly firstSeed: number;
  readonly stepsPerSecond: number;
  /** CPU time of this process over the run (user + system): on a busy machine the steady figure. */
  readonly cpuMs: number;
  readonly commands: number;
  readonly virtualMs: number;
  readonly crashes: number;
  readonly duplicatesSent: number;
  readonly stalls: number;
  readonly writesAccepted: number;
  readonly writesRefused: number;
  readonly servedPlanDeleted: number;
  /** Forged records the attackers sent, and how many the sequencer refused NOT_AUTHENTICATED. */
  readonly forged: number;
  readonly forgedRefused: number;
  /** Accepted events by type and rejections by reason, over every seed. */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly failed: readonly SimResult[];
}

/** Runs seeds firstSeed, firstSeed + 1, … one after another; wall time is measured here and nowhere in a run. */
export function runSeeds(options: SeedsOptions): SeedsSummary {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const everyMs = options.progressEveryMs ?? 1_000;
  let lastProgress = started;
  const failed: SimResult[] = [];
  const outcomes: Record<string, number> = {};
  const totals = { steps: 0, commands: 0, virtualMs: 0, crashes: 0, duplicatesSent: 0, stalls: 0, writesAccepted: 0, writesRefused: 0, servedPlanDeleted: 0, forged: 0, forgedRefused: 0 };
  let seedsRun = 0;
  for (let i = 0; i < options.seeds; i++) {
    const result = simulateSeed(options.firstSeed + i, options);
    seedsRun++;
    totals.steps += result.steps;
    totals.commands += result.stats.commands;
    totals.virtualMs += result.virtualMs;
    totals.crashes += result.stats.crashes;
    totals.duplicatesSent += result.stats.duplicatesSent;
    totals.stalls += result.stats.stalls;
    totals.writesAccepted += result.stats.writesAccepted;
    totals.writesRefused += result.stats.writesRefused;
    totals.servedPlanDeleted += result.stats.servedPlanDeleted;
    totals.forged += result.stats.forged;
    totals.forgedRefused += result.stats.forgedRefused;
    for (const [key, count] of Object.entries(result.stats.outcomes)) outcomes[key] = (outcomes[key] ?? 0) + count;
    if (result.failure !== null) failed.push(result);
    const now = performance.now();
    if (options.onProgress !== undefined && now - lastProgress >= everyMs) {
      lastProgress = now;
      options.onProgress({ seedsRun, seeds: options.seeds, steps: totals.steps, elapsedMs: now - started, failures: failed.length });
    }
    if (options.failuresMax !== undefined && failed.length >= options.failuresMax) break;
  }
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStarted);
  return {
    firstSeed: options.firstSeed,
    seedsRun,
    seeds: options.seeds,
    elapsedMs,
    failures: failed.length,
    stepsPerSecond: totals.steps / Math.max(elapsedMs / 1000, 1e-9),
    cpuMs: (cpu.user + cpu.system) / 1000,
    ...totals,
    outcomes,
    failed,
  };
}
