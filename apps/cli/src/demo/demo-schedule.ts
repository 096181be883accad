/**
 * The timing the demo stages, identical for the naive run and the fabric run:
 * the incident's shape — a planner writing plans quickly, one enactor stalling
 * between its claim and its write, one racing ahead, one at a normal pace, and
 * a janitor cleaning up behind them.
 */
export interface EnactorPace {
  readonly id: string;
  /** Stall between its (first) claim and its write. */
  readonly stallMs: number;
  /** Think time between seeing a newer plan and claiming it. */
  readonly claimDelayMs: number;
  /** Time its backend write takes. */
  readonly applyMs: number;
}

export interface DemoSchedule {
  readonly planIntervalMs: number;
  readonly plans: number;
  readonly enactors: readonly EnactorPace[];
  readonly janitorIntervalMs: number;
  /** Fallback plans the janitor keeps below the live one. */
  readonly keep: number;
  /** How often a naive enactor looks for a newer plan. */
  readonly naivePollMs: number;
  /** Length of each run, from the planner's first proposal. */
  readonly runMs: number;
  /** How often the monitor samples the backend's record set. */
  readonly sampleEveryMs: number;
  /** Registration of the fabric endpoint. */
  readonly quorum: number;
  readonly minValidPlans: number;
}

export const DEFAULT_SCHEDULE: DemoSchedule = {
  planIntervalMs: 300,
  plans: 8,
  enactors: [
    { id: 'az1', stallMs: 3_000, claimDelayMs: 0, applyMs: 0 },
    { id: 'az2', stallMs: 0, claimDelayMs: 30, applyMs: 0 },
    { id: 'az3', stallMs: 0, claimDelayMs: 120, applyMs: 100 },
  ],
  janitorIntervalMs: 500,
  keep: 1,
  naivePollMs: 50,
  runMs: 15_000,
  sampleEveryMs: 20,
  quorum: 2,
  minValidPlans: 1,
};

/** The same race, shorter: for the end-to-end test. */
export const QUICK_SCHEDULE: DemoSchedule = {
  ...DEFAULT_SCHEDULE,
  planIntervalMs: 200,
  plans: 5,
  enactors: [
    { id: 'az1', stallMs: 1_800, claimDelayMs: 0, applyMs: 0 },
    { id: 'az2', stallMs: 0, claimDelayMs: 30, applyMs: 0 },
    { id: 'az3', stallMs: 0, claimDelayMs: 100, applyMs: 60 },
  ],
  janitorIntervalMs: 250,
  runMs: 6_000,
};
