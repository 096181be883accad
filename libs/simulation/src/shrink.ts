/**
 * Shrinks a failing run to a short one that breaks the same invariant, in the
 * manner of Hypothesis: the run is its recorded choices, and the shrinker
 * edits the recording — zeroes runs of choices, deletes them, cuts the tail,
 * lowers values — replaying each candidate, keeping it when it still fails
 * the same way sooner (fewer steps, then fewer and smaller choices). Because 0
 * is the calmest choice everywhere (one enactor, no duplicates, no crash, the
 * shortest delay), what survives is what the failure needs.
 *
 * Deterministic: the same failure always shrinks to the same run.
 */
import { trimChoices } from './choices';
import { simulateChoices, type SimOptions, type SimResult } from './simulator';

export interface ShrinkOptions {
  /** Candidate runs to try at most. */
  readonly runsMax: number;
}

export const SHRINK_DEFAULTS: ShrinkOptions = { runsMax: 1_500 };

export interface ShrinkResult {
  /** The shrunk run, replayed with its trace. */
  readonly result: SimResult;
  /** Its recording: `simulateChoices(choices, options)` replays it. */
  readonly choices: readonly number[];
  readonly runs: number;
  readonly originalSteps: number;
  readonly originalChoices: number;
}

interface Candidate {
  readonly choices: number[];
  readonly step: number;
  readonly sum: number;
}

export function shrinkFailure(failing: SimResult, options: SimOptions, limits: ShrinkOptions = SHRINK_DEFAULTS): ShrinkResult {
  const target = failing.failure;
  if (target === null) throw new Error('shrinkFailure: the run did not fail');
  let best: Candidate = candidate(trimChoices(failing.choices), target.step);
  let runs = 0;

  const attempt = (choices: number[]): boolean => {
    if (runs >= limits.runsMax) return false;
    runs++;
    const result = simulateChoices(choices, { ...options, keepTrace: false, abortAfterSteps: best.step });
    if (result.failure === null || result.failure.invariant !== target.invariant) return false;
    const next = candidate(trimChoices(result.choices), result.failure.step);
    if (!smaller(next, best)) return false;
    best = next;
    return true;
  };

  let improved = true;
  while (improved && runs < limits.runsMax) {
    improved = false;
    // Cut the tail: everything after it becomes 0.
    for (const fraction of [8, 4, 2]) {
      const keep = Math.floor((best.choices.length * (fraction - 1)) / fraction);
      if (keep < best.choices.length && attempt(best.choices.slice(0, keep))) improved = true;
    }
    // Zero, then delete, runs of choices, from long runs to single ones.
    for (const edit of ['zero', 'delete'] as const) {
      for (let size = highestPowerOfTwo(best.choices.length); size >= 1; size >>= 1) {
        for (let start = best.choices.length - size; start >= 0; start -= size) {
          const choices = best.choices;
          if (start + size > choices.length) continue;
          if (edit === 'zero' && choices.slice(start, start + size).every((value) => value === 0)) continue;
          const edited =
            edit === 'zero'
              ? [...choices.slice(0, start), ...new Array<number>(size).fill(0), ...choices.slice(start + size)]
              : [...choices.slice(0, start), ...choices.slice(start + size)];
          if (attempt(edited)) improved = true;
        }
      }
    }
    // Lower single values.
    for (let i = best.choices.length - 1; i >= 0; i--) {
      const value = best.choices[i];
      if (value === undefined || value <= 1) continue;
      const lowered = [...best.choices];
      lowered[i] = value >> 1;
      if (attempt(lowered)) improved = true;
    }
  }

  const result = simulateChoices(best.choices, { ...options, keepTrace: true });
  if (result.failure?.invariant !== target.invariant) throw new Error('shrinkFailure: the shrunk recording no longer fails when replayed');
  return { result, choices: best.choices, runs, originalSteps: target.step, originalChoices: trimChoices(failing.choices).length };
}

function candidate(choices: number[], step: number): Candidate {
  return { choices, step, sum: choices.reduce((total, value) => total + value, 0) };
}

/** Shorter trace first, then a shorter recording, then smaller values. */
function smaller(a: Candidate, b: Candidate): boolean {
  if (a.step !== b.step) return a.step < b.step;
  if (a.choices.length !== b.choices.length) return a.choices.length < b.choices.length;
  return a.sum < b.sum;
}

function highestPowerOfTwo(n: number): number {
  let size = 1;
  while (size * 2 <= n) size *= 2;
  return size;
}
