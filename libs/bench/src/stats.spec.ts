import { describe, expect, it } from 'vitest';
import { drainRate, percentile, summarize } from './stats';

describe('bench statistics', () => {
  it('percentiles by nearest rank', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1); // 1..1000
    expect(percentile(values, 50)).toBe(500);
    expect(percentile(values, 99)).toBe(990);
    expect(percentile(values, 99.9)).toBe(999);
    expect(percentile(values, 100)).toBe(1000);
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([7], 99.9)).toBe(7);
    expect(percentile([1, 2], 50)).toBe(1);
    expect(Number.isNaN(percentile([], 50))).toBe(true);
    expect(() => percentile(values, 0)).toThrow();
    expect(() => percentile(values, 101)).toThrow();
  });

  it('summaries do not depend on the order of the samples', () => {
    const shuffled = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(summarize(shuffled)).toEqual({ count: 10, p50: 5, p99: 10, p999: 10, max: 10, mean: 5.5 });
    const empty = summarize([]);
    expect(empty.count).toBe(0);
    expect(Number.isNaN(empty.p50)).toBe(true);
  });

  it('drain rate leaves the first commit (start-up) out', () => {
    const commits = [
      { at: 1_000, records: 500 },
      { at: 1_500, records: 500 },
      { at: 2_000, records: 500 },
    ];
    expect(drainRate(commits, 0)).toEqual({ records: 1500, seconds: 1, perSecond: 1000 });
    expect(drainRate([{ at: 2_000, records: 100 }], 1_000)).toEqual({ records: 100, seconds: 1, perSecond: 100 });
    expect(drainRate([], 0).records).toBe(0);
  });
});
