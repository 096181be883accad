/** Pure statistics of the bench: percentiles, rates, latency summaries. */

/** The p-th percentile (0 < p ≤ 100) of ascending `sorted` values, nearest rank; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (!(p > 0 && p <= 100)) throw new Error(`percentile ${p} is outside (0, 100]`);
  // The epsilon keeps float error (99.9 / 100 × 1000 = 999.0000000000001) from moving a rank up.
  const rank = Math.ceil((p * sorted.length) / 100 - 1e-9);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

/** p50 / p99 / p99.9 / max / mean of latencies in milliseconds (order does not matter). */
export function summarize(latenciesMs: readonly number[]): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] as number),
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
  };
}

/** Records per second. */
export function perSecond(records: number, seconds: number): number {
  return seconds > 0 ? records / seconds : Number.NaN;
}

/** One commit of a pipeline: when it ended and how many records it carried. */
export interface CommitMark {
  readonly at: number;
  readonly records: number;
}

/**
 * Throughput of a backlog drained in commits: the records after the first
 * commit over the time from the first commit to the last, so start-up (group
 * join, producer init, first fetch) is left out the same way for every
 * pipeline. With a single commit, records over the time since `startedAt`.
 */
export function drainRate(commits: readonly CommitMark[], startedAt: number): { records: number; seconds: number; perSecond: number } {
  const records = commits.reduce((total, commit) => total + commit.records, 0);
  const first = commits[0];
  const last = commits[commits.length - 1];
  if (first === undefined || last === undefined) return { records: 0, seconds: 0, perSecond: Number.NaN };
  if (commits.length === 1) {
    const seconds = (last.at - startedAt) / 1000;
    return { records, seconds, perSecond: perSecond(records, seconds) };
  }
  const seconds = (last.at - first.at) / 1000;
  return { records, seconds, perSecond: perSecond(records - first.records, seconds) };
}
