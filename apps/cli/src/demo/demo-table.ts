import type { AuditCheck, RunResult } from './run-results';

/** The side-by-side comparison of the two runs. */
export function comparisonTable(naive: RunResult, fabric: RunResult): string {
  const rows: [string, string, string][] = [
    ['', 'naive control plane', 'plan fabric'],
    ['time with an empty record set', emptyTime(naive), emptyTime(fabric)],
    ['stale writes landed / refused', staleWrites(naive), staleWrites(fabric)],
    ['unsafe deletes landed / refused', unsafeDeletes(naive), unsafeDeletes(fabric)],
    ['claims refused by the sequencer', claims(naive), claims(fabric)],
    ['plans deleted', String(naive.plansDeleted), String(fabric.plansDeleted)],
    ['applies failed (live plan missing)', String(naive.applyFailures), String(fabric.applyFailures)],
    ['final live generation', finalLive(naive), finalLive(fabric)],
  ];
  if (naive.dns != null || fabric.dns != null) rows.push(['DNS answers (a client asking every 100 ms)', dnsAnswers(naive), dnsAnswers(fabric)]);
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: readonly string[]) => `  ${row.map((cell, column) => cell.padEnd(widths[column]!)).join('   ')}`.trimEnd();
  const rule = `  ${widths.map((width) => '─'.repeat(width)).join('   ')}`;
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n');
}

export function checksText(checks: readonly AuditCheck[]): string {
  return checks.map((check) => `  ${check.ok ? 'ok  ' : 'FAIL'} ${check.name} — ${check.detail}`).join('\n');
}

function emptyTime(run: RunResult): string {
  const ms = run.monitor.emptyMs;
  if (run.monitor.firstLiveAtMs === null) return 'never went live';
  return ms === 0 ? '0 ms' : `${ms.toLocaleString('en-US')} ms (${run.monitor.emptySpells} outage${run.monitor.emptySpells === 1 ? '' : 's'})`;
}

function staleWrites(run: RunResult): string {
  return run.staleWritesRefused === null ? `${run.staleWritesLanded} / — (no fence)` : `${run.staleWritesLanded} / ${run.staleWritesRefused}`;
}

function claims(run: RunResult): string {
  if (run.claimsRefused === null) return '— (no sequencer)';
  return countsByReason(run.claimsRefused);
}

function unsafeDeletes(run: RunResult): string {
  if (run.unsafeDeletesRefused === null) return `${run.unsafeDeletesLanded} / — (nobody checks)`;
  return `${run.unsafeDeletesLanded} / ${countsByReason(run.unsafeDeletesRefusedByReason)}`;
}

/** `7 (5 ALREADY_ACTIVE, 2 STALE_GENERATION)`, or `0`. */
function countsByReason(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  return total === 0 ? '0' : `${total} (${entries.map(([reason, count]) => `${count} ${reason}`).join(', ')})`;
}

/** `80 with records, 62 EMPTY once live` (answers before the first plan went live are not counted as empty). */
function dnsAnswers(run: RunResult): string {
  const dns = run.dns;
  if (dns == null) return '— (no DNS face)';
  const empty = dns.emptyAfterLive === 0 ? '0 empty once live' : `${dns.emptyAfterLive} EMPTY once live`;
  const failed = dns.failed === 0 ? '' : `, ${dns.failed} no answer`;
  return `${dns.withRecords} with records, ${empty}${failed}`;
}

function finalLive(run: RunResult): string {
  if (run.finalGeneration === null) return 'nothing';
  const decided = run.decidedGeneration === null ? '' : `, decided ${run.decidedGeneration}`;
  return `gen ${run.finalGeneration} (${run.finalRecords} records${decided})`;
}
