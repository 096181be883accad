import { REJECTION_REASONS } from '@plan-fabric/domain';
import { clipText } from './decision-checks';
import type { EdgeFuzzReport, EdgeViolation } from './edge-fuzz';
import type { FuzzReport, FuzzViolation } from './fuzz-runner';
import { CATEGORIES } from './hostile-inputs';

const number = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 0 });

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Outcomes in DESIGN.md's order: MALFORMED, the reasons, DUPLICATE, then the accepted events. */
function outcomeOrder(a: string, b: string): number {
  const rank = (key: string) => {
    const reason = (REJECTION_REASONS as readonly string[]).indexOf(key);
    return reason >= 0 ? reason : key === 'DUPLICATE' ? 100 : 200;
  };
  return rank(a) - rank(b) || a.localeCompare(b);
}

/** The pure run's final table: inputs by category, outcomes by reason, time, violations. */
export function formatFuzzReport(report: FuzzReport): string {
  const rows = CATEGORIES.filter((category) => report.byCategory[category].inputs > 0).map((category) => {
    const { inputs, outcomes } = report.byCategory[category];
    const count = (test: (key: string) => boolean) => Object.entries(outcomes).reduce((sum, [key, n]) => sum + (test(key) ? n : 0), 0);
    return [
      category,
      number(inputs),
      number(count((key) => key === 'MALFORMED')),
      number(count((key) => key !== 'MALFORMED' && key !== 'DUPLICATE' && !key.startsWith('accepted'))),
      number(count((key) => key.startsWith('accepted'))),
      number(count((key) => key === 'DUPLICATE')),
    ];
  });
  const total = (column: number) => number(rows.reduce((sum, row) => sum + Number(row[column]!.replace(/,/g, '')), 0));
  rows.push(['total', total(1), total(2), total(3), total(4), total(5)]);
  const outcomes = Object.entries(report.outcomes)
    .sort(([a], [b]) => outcomeOrder(a, b))
    .map(([key, n]) => [key, number(n), `${((100 * n) / Math.max(1, report.inputs)).toFixed(1)}%`]);
  const slowest = report.slowest;
  const lines = [
    `seed ${report.seed}: ${number(report.inputs)} hostile records through the real decide (sequence) in ${report.episodes} endpoint logs, plus ${number(report.setupRecords)} setup records`,
    '',
    table(['category', 'inputs', 'MALFORMED', 'own reason', 'accepted', 'duplicate'], rows),
    '',
    table(['outcome', 'inputs', 'share'], outcomes),
    '',
    `max decide time   ${number(report.maxDecideMicros)} µs of CPU${slowest === null ? '' : ` (input #${slowest.index}, ${slowest.category}: ${clipText(slowest.label, 80)})`}`,
    `inputs/second     ${number(report.inputs / Math.max(report.wallSeconds, 1e-9))} end to end (generation, checks, replay: ${report.wallSeconds.toFixed(1)} s); ${number(report.inputs / Math.max(report.decideSeconds, 1e-9))} in decide alone (${report.decideSeconds.toFixed(2)} s)`,
    `largest record    ${number(report.recordBytesMax)} bytes allowed in this run`,
    `violations        ${report.violationCount}`,
  ];
  return lines.join('\n');
}

/** The violations of a pure run, each with the seed and input to reproduce it. */
export function formatFuzzViolations(report: FuzzReport): string {
  return report.violations
    .map((violation: FuzzViolation) =>
      [
        `VIOLATION ${violation.check}: ${violation.message}`,
        `  input #${violation.index} (${violation.category}: ${clipText(violation.label, 120)}), episode ${violation.episode}, offset ${violation.offset}`,
        `  record (${violation.value === null ? 'no value' : `${Buffer.byteLength(violation.value)} bytes`}): ${violation.value === null ? 'null' : clipText(JSON.stringify(violation.value), 400)}`,
        violation.index >= 0
          ? `  reproduce: npm run fabric -- fuzz --seed ${report.seed} --count ${violation.index + 1}   (the last input is this one)`
          : `  reproduce: npm run fabric -- fuzz --seed ${report.seed} --count ${report.count}`,
      ].join('\n'),
    )
    .join('\n');
}

/** The edge run's final table. */
export function formatEdgeReport(report: EdgeFuzzReport): string {
  const categories = Object.entries(report.byCategory).map(([category, n]) => [category, number(n ?? 0)]);
  const outcomes = Object.entries(report.outcomes)
    .sort(([a], [b]) => outcomeOrder(a, b))
    .map(([key, n]) => [key, number(n)]);
  return [
    `edge: seed ${report.seed}, endpoint ${report.endpointId}: ${report.records} records through Kafka (${report.inputs} hostile, the setup, ${report.probes.length} size probes) to a running sequencer`,
    '',
    table(['category', 'records'], categories),
    '',
    table(['outcome', 'records'], outcomes),
    '',
    ...report.probes.map((probe) => `size probe        ${probe.label}: ${probe.outcome}`),
    `Kafka's limit     max.message.bytes ${number(report.brokerRecordBytesMax)}; a record of ${report.refused === null ? '?' : number(report.refused.bytes)} bytes was ${report.refused === null ? 'NOT refused' : `refused at send (${report.refused.error})`}`,
    `outcomes          ${report.records} records, one outcome each in order: ${report.violations.some((violation) => ['one-outcome', 'sequence', 'order', 'stalled'].includes(violation.check)) ? 'NO' : 'yes'}; events equal the pure decide: ${report.eventsMatchDecide ? 'yes' : 'NO'}; replay byte for byte: ${report.replayMatches ? 'yes' : 'NO'}`,
    `dead letters      ${report.deadLetters} for ${report.malformed} MALFORMED records`,
    `largest record    ${number(report.largestRecordBytes)} bytes decided`,
    `time              send ${report.sendSeconds.toFixed(1)} s, all outcomes ${report.outcomeSeconds.toFixed(1)} s later, ${report.wallSeconds.toFixed(1)} s in all`,
    `violations        ${report.violations.length}`,
  ].join('\n');
}

export function formatEdgeViolations(report: EdgeFuzzReport): string {
  return report.violations
    .map((violation: EdgeViolation) =>
      [
        `VIOLATION ${violation.check}: ${violation.message}`,
        `  ${violation.offset === null ? 'the run' : `offset ${violation.offset}`} (${violation.category}: ${clipText(violation.label, 120)})`,
        violation.value === null ? null : `  record (${Buffer.byteLength(violation.value)} bytes): ${clipText(JSON.stringify(violation.value), 400)}`,
        `  reproduce: npm run fabric -- fuzz --seed ${report.seed} --count 0 --kafka ${report.inputs}${report.largestRecordProbe ? ' --largest-record' : ''}`,
      ]
        .filter((line) => line !== null)
        .join('\n'),
    )
    .join('\n');
}
