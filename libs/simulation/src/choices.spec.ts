import { describe, expect, it } from 'vitest';
import { Draw, ReplayedChoices, SeededChoices, trimChoices, Xoshiro128 } from './choices';
import { EventQueue } from './event-queue';

describe('Xoshiro128: the seeded generator', () => {
  it('gives the same words for the same seed and different ones for another', () => {
    const words = (seed: number) => {
      const random = new Xoshiro128(seed);
      return Array.from({ length: 8 }, () => random.nextU32());
    };
    expect(words(42)).toEqual(words(42));
    expect(words(42)).not.toEqual(words(43));
    for (const word of words(7)) expect(Number.isInteger(word) && word >= 0 && word < 2 ** 32).toBe(true);
  });

  it('spreads draws evenly enough (each of 8 buckets within 10% of its share over 80,000 draws)', () => {
    const choices = new SeededChoices(2024);
    const buckets = new Array<number>(8).fill(0);
    for (let i = 0; i < 80_000; i++) buckets[choices.int(8)]!++;
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(1_000);
  });
});

describe('choices: recorded, replayed, 0 the simplest', () => {
  it('replaying a seeded recording draws the same values', () => {
    const seeded = new SeededChoices(5);
    const first = [seeded.int(10), seeded.int(1000), seeded.int(2), seeded.int(7)];
    const replayed = new ReplayedChoices(seeded.drawn);
    expect([replayed.int(10), replayed.int(1000), replayed.int(2), replayed.int(7)]).toEqual(first);
  });

  it('past the end of a recording every draw is 0, and out-of-range values wrap', () => {
    const replayed = new ReplayedChoices([9, 3]);
    expect(replayed.int(4)).toBe(1);
    expect(replayed.int(10)).toBe(3);
    expect(replayed.int(10)).toBe(0);
    expect(replayed.drawn).toEqual([1, 3, 0]);
  });

  it('a 0 draw is the calm option: no chance event, the minimum, the first option', () => {
    const draw = new Draw(new ReplayedChoices([]));
    expect(draw.chance(99)).toBe(false);
    expect(draw.between(5, 9)).toBe(5);
    expect(draw.pick(['first', 'second'])).toBe('first');
  });

  it('rejects bounds it cannot draw', () => {
    expect(() => new SeededChoices(1).int(0)).toThrow(RangeError);
    expect(() => new SeededChoices(1).int(2 ** 32 + 1)).toThrow(RangeError);
  });

  it('trimChoices drops the trailing zeros a replay supplies anyway', () => {
    expect(trimChoices([0, 3, 0, 1, 0, 0])).toEqual([0, 3, 0, 1]);
    expect(trimChoices([0, 0])).toEqual([]);
  });
});

describe('EventQueue: the virtual-time agenda', () => {
  it('pops by time, then by the drawn tie key, then in the order scheduled', () => {
    const queue = new EventQueue<string>();
    queue.push(20, 0, 'late');
    queue.push(10, 1, 'tie-1');
    queue.push(10, 0, 'tie-0-first');
    queue.push(10, 0, 'tie-0-second');
    queue.push(5, 3, 'early');
    const order: string[] = [];
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) order.push(next.item);
    expect(order).toEqual(['early', 'tie-0-first', 'tie-0-second', 'tie-1', 'late']);
  });

  it('stays ordered over many random pushes and pops', () => {
    const queue = new EventQueue<number>();
    const choices = new SeededChoices(9);
    let last = -1;
    for (let i = 0; i < 2_000; i++) {
      queue.push(last + 1 + choices.int(50), choices.int(4), i);
      if (choices.int(3) === 0) {
        const next = queue.pop()!;
        expect(next.atMs).toBeGreaterThanOrEqual(last);
        last = next.atMs;
      }
    }
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
      expect(next.atMs).toBeGreaterThanOrEqual(last);
      last = next.atMs;
    }
  });
});
