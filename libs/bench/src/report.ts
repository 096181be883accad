import type { BenchResults, LatencyRow, ScaleRow, TargetRow, ThroughputRow } from './results';

/** Pure rendering of bench results: the targets, the Markdown table, the JSON and the SVG chart. */

const find = (rows: readonly ThroughputRow[], id: string): number | null => {
  const value = rows.find((row) => row.id === id)?.perSecond;
  return value === undefined || !Number.isFinite(value) ? null : value;
};

function ratioTarget(id: string, description: string, numerator: number | null, denominator: number | null, threshold: number, detail: string): TargetRow {
  const value = numerator === null || denominator === null || denominator === 0 ? null : numerator / denominator;
  return { id, description, value, comparison: '>=', threshold, met: value === null ? null : value >= threshold, detail };
}

/** The targets, as ratios from one run. */
export function evaluateTargets(results: Pick<BenchResults, 'throughput' | 'latency'>): TargetRow[] {
  const rows = results.throughput;
  const sequencer = find(rows, 'sequencer-1');
  const txnPipe = find(rows, 'txn-pipe');
  const plainPipe = find(rows, 'plain-pipe');
  const pgOn = find(rows, 'pg-hot-sync-on');
  const pgOff = find(rows, 'pg-hot-sync-off');
  const projector = find(rows, 'projector');
  const insert = find(rows, 'batched-insert');
  const replay = find(rows, 'audit-replay');
  const half = results.latency.find((row) => row.loadPercent === 50);
  const tail = (kind: 'toEvent' | 'toProjection'): TargetRow => {
    const summary = half?.[kind];
    const value = summary === undefined || !(summary.p50 > 0) ? null : summary.p99 / summary.p50;
    return {
      id: `latency-tail-${kind === 'toEvent' ? 'event' : 'projection'}`,
      description: `p99 ≤ 3× p50 at 50% load (${kind === 'toEvent' ? 'to event readable' : 'to projection visible'})`,
      value,
      comparison: '<=',
      threshold: 3,
      met: value === null ? null : value <= 3,
      detail: summary === undefined ? 'not measured' : `p50 ${ms(summary.p50)}, p99 ${ms(summary.p99)}`,
    };
  };
  return [
    ratioTarget('sequencer-vs-txn-pipe', 'sequencer ≥ 0.85 × transactional pipe', sequencer, txnPipe, 0.85, `${rate(sequencer)} vs ${rate(txnPipe)}`),
    ratioTarget('sequencer-vs-plain-pipe', 'sequencer ≥ 0.7 × plain pipe', sequencer, plainPipe, 0.7, `${rate(sequencer)} vs ${rate(plainPipe)}`),
    ratioTarget('sequencer-vs-postgres', 'sequencer ≥ 3 × Postgres-only, one hot endpoint (synchronous_commit on)', sequencer, pgOn, 3, `${rate(sequencer)} vs ${rate(pgOn)}`),
    ratioTarget('sequencer-vs-postgres-async', 'sequencer ≥ 3 × Postgres-only, one hot endpoint (synchronous_commit off)', sequencer, pgOff, 3, `${rate(sequencer)} vs ${rate(pgOff)}`),
    tail('toEvent'),
    tail('toProjection'),
    ratioTarget('projector-vs-insert', 'projector ≥ 0.8 × plain batched INSERT', projector, insert, 0.8, `${rate(projector)} vs ${rate(insert)}`),
    ratioTarget('replay-vs-sequencer', 'audit replay ≥ 10 × live sequencer', replay, sequencer, 10, `${rate(replay)} vs ${rate(sequencer)}`),
  ];
}

export function rate(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return `${Math.round(value).toLocaleString('en-US')}/s`;
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value).toLocaleString('en-US')} ms`;
}

function seconds(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value < 10 ? `${value.toFixed(2)} s` : `${value.toFixed(1)} s`;
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

function mib(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : `${Math.round(value)}`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[], align: readonly ('l' | 'r')[]): string[] {
  const rule = align.map((side) => (side === 'r' ? '---:' : '---'));
  const line = (cells: readonly string[]) => `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(header), `|${rule.join('|')}|`, ...rows.map(line)];
}

function verdict(target: TargetRow): string {
  if (target.met === null) return 'not measured';
  return target.met ? '**met**' : '**missed**';
}

function scaleRow(row: ScaleRow): string[] {
  return [
    count(row.endpoints),
    row.status === 'ok' ? 'ok' : row.status === 'timeout' ? `TIMEOUT (${count(row.workersStarted)} started)` : 'skipped',
    seconds(row.startupSeconds),
    count(row.commands),
    rate(row.perSecond),
    row.eventsPerTransaction === null ? '–' : row.eventsPerTransaction.toFixed(1),
    `${mib(row.rssMiBBefore)} / ${mib(row.rssMiBIdle)} / ${mib(row.rssMiBPeak)}`,
    mib(row.heapMiBPeak),
  ];
}

function latencyRow(row: LatencyRow): string[] {
  return [
    `${row.loadPercent}%`,
    `${rate(row.targetPerSecond)} (${rate(row.achievedPerSecond)})`,
    count(row.commands),
    ms(row.toEvent.p50),
    ms(row.toEvent.p99),
    ms(row.toEvent.p999),
    ms(row.toProjection.p50),
    ms(row.toProjection.p99),
    ms(row.toProjection.p999),
  ];
}

/** The whole result as Markdown: throughput, scaling, latency, rebuild, targets, notes. */
export function renderMarkdown(results: BenchResults): string {
  const { meta } = results;
  const out: string[] = [];
  out.push(`# fabric bench (${meta.mode}) — ${meta.startedAt}`, '');
  out.push(`\`${meta.command}\` — ${seconds(meta.wallSeconds)} wall; topics \`${meta.topicPrefix}.*\` (deleted at the end)`, '');
  out.push(...table(['machine', ''], Object.entries(meta.machine).map(([key, value]) => [key, value]), ['l', 'l']), '');
  out.push(...table(['knob', 'value'], Object.entries(meta.knobs).map(([key, value]) => [key, String(value)]), ['l', 'l']), '');
  out.push('## Throughput (same broker, same Postgres, same records)', '');
  out.push(
    ...table(
      ['what', 'records', 'time', 'rate', 'note'],
      results.throughput.map((row) => [row.label, count(row.records), seconds(row.seconds), rate(row.perSecond), row.note ?? '']),
      ['l', 'r', 'r', 'r', 'l'],
    ),
    '',
  );
  if (results.scale.length > 0) {
    out.push('## The sequencer with N endpoints at once (one consumer + transactional producer each)', '');
    out.push(
      ...table(
        ['endpoints', 'status', 'startup', 'commands', 'rate', 'events/txn', 'RSS MiB before / idle / peak', 'heap MiB peak'],
        results.scale.map(scaleRow),
        ['r', 'l', 'r', 'r', 'r', 'r', 'r', 'r'],
      ),
      '',
    );
    for (const row of results.scale) if (row.note !== undefined) out.push(`- ${count(row.endpoints)} endpoints: ${row.note}`);
    out.push('');
  }
  if (results.latency.length > 0) {
    out.push('## Latency at fixed arrival rates (one endpoint; % of the measured sequencer maximum)', '');
    out.push(
      ...table(
        ['load', 'rate (achieved)', 'commands', 'event p50', 'event p99', 'event p99.9', 'projection p50', 'projection p99', 'projection p99.9'],
        results.latency.map(latencyRow),
        ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      ),
      '',
    );
  }
  if (results.rebuild.length > 0) {
    out.push('## State rebuild after a restart (event-log reader) vs log length', '');
    out.push(
      ...table(
        ['events', 'time', 'rate', 'RSS MiB after'],
        results.rebuild.map((row) => [count(row.events), seconds(row.seconds), rate(row.perSecond), mib(row.rssMiB)]),
        ['r', 'r', 'r', 'r'],
      ),
      '',
    );
  }
  out.push('## Targets (ratios from this run)', '');
  out.push(
    ...table(
      ['target', 'measured', 'verdict', 'from'],
      results.targets.map((target) => [
        target.description,
        target.value === null ? '–' : `${target.value.toFixed(2)}×`,
        verdict(target),
        target.detail,
      ]),
      ['l', 'r', 'l', 'l'],
    ),
    '',
  );
  if (results.notes.length > 0) {
    out.push('## Notes', '');
    for (const note of results.notes) out.push(`- ${note}`);
    out.push('');
  }
  return out.join('\n');
}

/** JSON with non-finite numbers as null (JSON has no NaN). */
export function renderJson(results: BenchResults): string {
  return `${JSON.stringify(results, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`;
}

const escapeXml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

interface Bar {
  readonly label: string;
  readonly value: number;
  readonly text: string;
  readonly color: string;
}

/** A horizontal bar panel (log scale when values span more than 30×); returns SVG elements and its height. */
function barPanel(title: string, bars: readonly Bar[], x: number, y: number, width: number): { svg: string[]; height: number } {
  const svg: string[] = [];
  const labelWidth = 300;
  const rowHeight = 20;
  const finite = bars.filter((bar) => Number.isFinite(bar.value) && bar.value > 0);
  const max = Math.max(1e-9, ...finite.map((bar) => bar.value));
  const min = Math.min(max, ...finite.map((bar) => bar.value));
  const log = max / min > 30;
  const floor = log ? Math.pow(10, Math.floor(Math.log10(min))) : 0;
  const scale = (value: number) =>
    !(Number.isFinite(value) && value > 0) ? 0 : log ? (Math.log10(value / floor) / Math.log10((max * 1.05) / floor)) : value / (max * 1.05);
  const barWidth = width - labelWidth - 110;
  svg.push(`<text x="${x}" y="${y + 14}" font-size="14" font-weight="bold">${escapeXml(title)}${log ? ' (log scale)' : ''}</text>`);
  bars.forEach((bar, index) => {
    const top = y + 24 + index * rowHeight;
    const length = Math.max(1, scale(bar.value) * barWidth);
    // About 5.5 px a character at 11 px: longer labels are cut to fit the label column; the whole label is the title.
    const shown = bar.label.length > 52 ? `${bar.label.slice(0, 51)}…` : bar.label;
    svg.push(`<text x="${x + labelWidth - 6}" y="${top + 13}" font-size="11" text-anchor="end"><title>${escapeXml(bar.label)}</title>${escapeXml(shown)}</text>`);
    svg.push(`<rect x="${x + labelWidth}" y="${top + 2}" width="${length.toFixed(1)}" height="${rowHeight - 5}" fill="${bar.color}"/>`);
    svg.push(`<text x="${x + labelWidth + length + 4}" y="${top + 13}" font-size="11">${escapeXml(bar.text)}</text>`);
  });
  return { svg, height: 24 + bars.length * rowHeight + 16 };
}

const COLORS: Readonly<Record<ThroughputRow['group'], string>> = {
  kafka: '#4e79a7',
  sequencer: '#e15759',
  postgres: '#59a14f',
  projection: '#f28e2b',
  cpu: '#9c755f',
};

/** The chart: throughput, sequencer scaling, latency percentiles and rebuild time, one SVG written by hand. */
export function renderSvg(results: BenchResults): string {
  const width = 900;
  const parts: string[] = [];
  let y = 10;
  const add = (panel: { svg: string[]; height: number }) => {
    parts.push(...panel.svg);
    y += panel.height;
  };
  add(
    barPanel(
      'Throughput, records/s',
      results.throughput.map((row) => ({ label: row.label, value: row.perSecond, text: rate(row.perSecond), color: COLORS[row.group] })),
      10,
      y,
      width,
    ),
  );
  const scaled = results.scale.filter((row) => row.perSecond !== null);
  if (scaled.length > 0) {
    add(
      barPanel(
        'Sequencer, N endpoints at once: commands/s (peak RSS)',
        scaled.map((row) => ({
          label: `${count(row.endpoints)} endpoints`,
          value: row.perSecond ?? 0,
          text: `${rate(row.perSecond)} (${mib(row.rssMiBPeak)} MiB)`,
          color: COLORS.sequencer,
        })),
        10,
        y,
        width,
      ),
    );
  }
  if (results.latency.length > 0) {
    const bars: Bar[] = [];
    for (const row of results.latency) {
      for (const [kind, summary, color] of [
        ['event', row.toEvent, '#76b7b2'],
        ['projection', row.toProjection, '#edc948'],
      ] as const) {
        for (const [name, value] of [
          ['p50', summary.p50],
          ['p99', summary.p99],
          ['p99.9', summary.p999],
        ] as const) {
          bars.push({ label: `${row.loadPercent}% load, to ${kind}, ${name}`, value, text: ms(value), color });
        }
      }
    }
    add(barPanel('Latency, ms', bars, 10, y, width));
  }
  if (results.rebuild.length > 0) {
    add(
      barPanel(
        'State rebuild time vs log length',
        results.rebuild.map((row) => ({ label: `${count(row.events)} events`, value: row.seconds, text: `${seconds(row.seconds)} (${rate(row.perSecond)})`, color: '#b07aa1' })),
        10,
        y,
        width,
      ),
    );
  }
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
