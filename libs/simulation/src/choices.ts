/**
 * Every decision the simulator makes that is not the system's own — which
 * delay, whether to duplicate, whether to crash, who goes first on a tie — is
 * drawn from a Choices source. A seed gives one stream (xoshiro128**); a run
 * records what it drew, and the shrinker replays edited recordings.
 *
 * Convention that makes shrinking work: 0 is always the simplest choice
 * (the shortest delay, no fault, the first option). A recording that runs out
 * keeps answering 0, so deleting or zeroing choices makes a run calmer.
 */
export interface Choices {
  /** An integer in [0, bound). */
  int(bound: number): number;
  /** The draws made so far, each in [0, its bound). */
  readonly drawn: readonly number[];
}

/** Largest bound a draw may ask for (one 32-bit word of the generator). */
export const CHOICE_BOUND_MAX = 2 ** 32;

/** xoshiro128** (Blackman and Vigna), seeded through splitmix32: 32-bit words, period 2^128 − 1. */
export class Xoshiro128 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const splitmix32 = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = splitmix32();
    this.b = splitmix32();
    this.c = splitmix32();
    this.d = splitmix32();
    if ((this.a | this.b | this.c | this.d) === 0) this.d = 1;
  }

  /** The next 32-bit word, as a number in [0, 2^32). */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function checkBound(bound: number): void {
  if (!Number.isSafeInteger(bound) || bound < 1 || bound > CHOICE_BOUND_MAX) throw new RangeError(`choice bound ${bound} is outside 1..2^32`);
}

/** Choices from a seed; records every draw. */
export class SeededChoices implements Choices {
  private readonly random: Xoshiro128;
  readonly drawn: number[] = [];

  constructor(readonly seed: number) {
    this.random = new Xoshiro128(seed);
  }

  int(bound: number): number {
    checkBound(bound);
    // Modulo bias is below 2^-20 for the bounds the simulator uses (≤ 2^12); determinism is what matters.
    const value = bound === 1 ? 0 : this.random.nextU32() % bound;
    this.drawn.push(value);
    return value;
  }
}

/** Choices replayed from a (possibly edited) recording: out-of-range values wrap, and past the end every draw is 0. */
export class ReplayedChoices implements Choices {
  private index = 0;
  readonly drawn: number[] = [];

  constructor(private readonly recording: readonly number[]) {}

  int(bound: number): number {
    checkBound(bound);
    const recorded = this.recording[this.index++] ?? 0;
    const value = recorded < bound ? recorded : recorded % bound;
    this.drawn.push(value);
    return value;
  }
}

/** Helpers over a Choices source; all keep "0 is the simplest". */
export class Draw {
  constructor(readonly choices: Choices) {}

  int(bound: number): number {
    return this.choices.int(bound);
  }

  /** An integer in [min, max]; 0 draws min. */
  between(min: number, max: number): number {
    return min + this.choices.int(max - min + 1);
  }

  /** True with probability `percent`/100; a 0 draw is false. */
  chance(percent: number): boolean {
    if (percent <= 0) return false;
    return this.choices.int(100) >= 100 - percent;
  }

  /** One of the options; a 0 draw picks the first. */
  pick<T>(options: readonly T[]): T {
    if (options.length === 0) throw new RangeError('pick from no options');
    return options[this.choices.int(options.length)]!;
  }
}

/** The recording without the trailing zeros a replay would supply anyway. */
export function trimChoices(drawn: readonly number[]): number[] {
  let end = drawn.length;
  while (end > 0 && drawn[end - 1] === 0) end--;
  return drawn.slice(0, end);
}
