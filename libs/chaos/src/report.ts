import type { LostCommand, Violation } from './audit';

export const FAULT_KINDS = ['sequencer-kill', 'sequencer-pause', 'broker-restart', 'projector-kill', 'postgres-restart', 'producer-retry'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const FAULT_LABELS: Readonly<Record<FaultKind, string>> = {
  'sequencer-kill': 'kill -9 sequencer mid-transaction',
  'sequencer-pause': 'pause sequencer past session timeout',
  'broker-restart': 'restart Kafka broker',
  'projector-kill': 'kill -9 projector before COMMIT',
  'postgres-restart': 'restart Postgres',
  'producer-retry': 'producer retries (same commandId)',
};

/** One injected fault, as the progress lines and the closing note tell it. */
export interface FaultRecord {
  readonly kind: FaultKind;
  /** Seconds since the run started. */
  readonly atS: number;
  readonly detail: string;
  /** How long until the fabric made progress again; null if it did not within the bound. */
  readonly recoveredInMs: number | null;
}

export interface ChaosReport {
  readonly seed: number;
  readonly endpoints: readonly string[];
  readonly durationMs: number;
  readonly faults: Readonly<Record<FaultKind, number>>;
  readonly faultLog: readonly FaultRecord[];
  /** Sends the broker acknowledged, resends included. */
  readonly commandsSent: number;
  readonly uniqueCommands: number;
  readonly resendsAfterAck: number;
  readonly resendsAfterError: number;
  /** Commands the load gave up on (never acknowledged): not lost, the producer was told it failed. */
  readonly unacknowledged: number;
  readonly commandRecords: number;
  readonly outcomes: { readonly accepted: number; readonly rejected: number; readonly duplicate: number };
  readonly duplicatesAbsorbed: number;
  /** Event records of aborted transactions (killed or fenced sequencers): in the log, never visible read committed. */
  readonly abortedEventRecords: number;
  /** Resumed (paused) sequencers whose transaction the broker refused after the takeover. */
  readonly fencedWrites: number;
  /** Service processes that exited without being told to (restarted by the run). */
  readonly unplannedExits: number;
  readonly violations: number;
  readonly violationDetails: readonly Violation[];
  readonly lost: number;
  readonly lostDetails: readonly LostCommand[];
  /** Things that kept the run from being a valid test (a fault that could not be injected, a step that timed out). */
  readonly problems: readonly string[];
  /** Where the logs are (kept when the run failed or --keep), or null. */
  readonly keptDir: string | null;
}

export function passed(report: ChaosReport): boolean {
  return report.violations === 0 && report.lost === 0 && report.problems.length === 0;
}

/** The closing table. */
export function formatReport(report: ChaosReport): string {
  const rows: Array<[string, string]> = [];
  for (const kind of FAULT_KINDS) {
    let value = String(report.faults[kind]);
    if (kind === 'sequencer-pause') value += `   (fenced on resume: ${report.fencedWrites})`;
    if (kind === 'producer-retry') value += `   (${report.resendsAfterAck} after an ack, ${report.resendsAfterError} after a failed send)`;
    rows.push([`fault: ${FAULT_LABELS[kind]}`, value]);
  }
  rows.push(['', '']);
  rows.push(['commands sent (acknowledged, resends included)', `${report.commandsSent}   (${report.uniqueCommands} distinct ids, ${report.unacknowledged} never acknowledged)`]);
  rows.push(['command records in the logs', String(report.commandRecords)]);
  rows.push(['outcomes', `${report.outcomes.accepted} accepted, ${report.outcomes.rejected} rejected, ${report.outcomes.duplicate} duplicate`]);
  rows.push(['duplicates absorbed', String(report.duplicatesAbsorbed)]);
  rows.push(['aborted event records (never visible)', String(report.abortedEventRecords)]);
  rows.push(['unplanned service exits', String(report.unplannedExits)]);
  rows.push(['violations (must be 0)', String(report.violations)]);
  rows.push(['lost commands (must be 0)', String(report.lost)]);
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [
    `fabric chaos: ${report.endpoints.length} endpoints, seed ${report.seed}, ${(report.durationMs / 1000).toFixed(0)} s`,
    '',
    ...rows.map(([label, value]) => (label === '' ? '' : `  ${label.padEnd(width)}  ${value}`)),
  ];
  if (report.violationDetails.length > 0) {
    lines.push('', 'violations:');
    for (const violation of report.violationDetails) lines.push(`  [${violation.endpointId}] ${violation.check}: ${violation.detail}`);
  }
  if (report.lostDetails.length > 0) {
    lines.push('', 'lost commands:');
    for (const lost of report.lostDetails.slice(0, 20)) lines.push(`  [${lost.endpointId}] ${lost.commandId}: ${lost.detail}`);
    if (report.lostDetails.length > 20) lines.push(`  … and ${report.lostDetails.length - 20} more`);
  }
  if (report.problems.length > 0) {
    lines.push('', 'problems:');
    for (const problem of report.problems) lines.push(`  ${problem}`);
  }
  if (report.keptDir !== null) lines.push('', `logs kept in ${report.keptDir}`);
  lines.push('', passed(report) ? 'PASS: every fault absorbed, 0 violations, 0 lost' : 'FAIL');
  return lines.join('\n');
}
