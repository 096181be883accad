import type { EndpointView } from '@plan-fabric/db';
import type { ScenarioFinal } from './scenario-file';

/** How one step's outcome reads in the report: `accepted`, `duplicate` or the rejection reason. */
export function outcomeLabel(outcome: { outcome: string; reason: string | null }): string {
  return outcome.outcome === 'rejected' ? (outcome.reason ?? 'rejected') : outcome.outcome;
}

export type Verdict = 'PASS' | 'FAIL' | 'info';

/** Widths of the columns that vary by scenario: actor and command. */
export interface Columns {
  readonly actor: number;
  readonly command: number;
}

const INDEX_WIDTH = 5;
/** `expect ` plus the longest reason (WOULD_LEAVE_NO_VALID_PLAN); `got ` is three shorter. */
const OUTCOME_WIDTH = 32;
const COMMAND_WIDTH_MAX = 60;

export function columnsFor(rows: readonly { actor: string; command: string }[]): Columns {
  return {
    actor: Math.max(...rows.map((row) => row.actor.length)),
    command: Math.min(COMMAND_WIDTH_MAX, Math.max(...rows.map((row) => row.command.length))),
  };
}

/** One fixed-width report line: index, actor, command, expected, got, verdict. */
export function stepLine(
  columns: Columns,
  index: string,
  actor: string,
  command: string,
  expected: string,
  got: string,
  verdict: Verdict,
): string {
  return [
    index.padStart(INDEX_WIDTH),
    actor.padEnd(columns.actor),
    command.padEnd(columns.command),
    `expect ${expected}`.padEnd(OUTCOME_WIDTH),
    `got ${got}`.padEnd(OUTCOME_WIDTH - 3),
    verdict,
  ].join('  ');
}

/** Continuation line under a step (detail of a mismatch, a timeout). */
export function noteLine(text: string): string {
  return `${' '.repeat(INDEX_WIDTH)}  ↳ ${text}`;
}

/** Differences between `final` and the projected endpoint, one per field; empty when they agree. */
export function finalMismatches(final: ScenarioFinal, view: EndpointView): string[] {
  const problems: string[] = [];
  if (final.activeGeneration !== undefined && final.activeGeneration !== view.activeGeneration) {
    problems.push(`activeGeneration: expected ${String(final.activeGeneration)}, got ${String(view.activeGeneration)}`);
  }
  for (const key of ['validGenerations', 'deletedGenerations'] as const) {
    const expected = final[key];
    if (expected === undefined) continue;
    const wanted = [...expected].sort((a, b) => a - b);
    const got = [...view[key]].sort((a, b) => a - b);
    if (wanted.join(',') !== got.join(',')) problems.push(`${key}: expected [${wanted.join(',')}], got [${got.join(',')}]`);
  }
  if (final.confirmed !== undefined) {
    for (const [enactorId, expected] of Object.entries(final.confirmed)) {
      // An enactor the projection has no progress row for has confirmed nothing.
      const got = view.confirmed[enactorId] ?? null;
      if (got !== expected) problems.push(`confirmed.${enactorId}: expected ${String(expected)}, got ${String(got)}`);
    }
  }
  return problems;
}

export function describeFinal(final: ScenarioFinal): string {
  const parts: string[] = [];
  if (final.activeGeneration !== undefined) parts.push(`active=${String(final.activeGeneration)}`);
  if (final.validGenerations !== undefined) parts.push(`valid=[${final.validGenerations.join(',')}]`);
  if (final.deletedGenerations !== undefined) parts.push(`deleted=[${final.deletedGenerations.join(',')}]`);
  if (final.confirmed !== undefined) {
    parts.push(`confirmed={${Object.entries(final.confirmed).map(([id, g]) => `${id}:${String(g)}`).join(',')}}`);
  }
  return parts.join(' ');
}
