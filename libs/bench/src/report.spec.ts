import { describe, expect, it } from 'vitest';
import { buildCommand, workloadCommands } from './commands';
import { initialState, sequence, simKey, withSimKeys } from '@plan-fabric/domain';
import { BENCH_AUTHORITY } from './domain-calls';
import { evaluateTargets, renderJson, renderMarkdown, renderSvg } from './report';
import type { BenchResults, ThroughputRow } from './results';
import { summarize } from './stats';

const row = (id: string, perSecond: number, group: ThroughputRow['group'] = 'kafka'): ThroughputRow => ({ id, group, label: id, records: 1000, seconds: 1000 / perSecond, perSecond });

const results = (): BenchResults => {
  const throughput = [
    row('plain-pipe', 10_000),
    row('txn-pipe', 5_000),
    row('sequencer-1', 4_500, 'sequencer'),
    row('pg-hot-sync-on', 1_000, 'postgres'),
    row('pg-hot-sync-off', 2_000, 'postgres'),
    row('projector', 7_000, 'projection'),
    row('batched-insert', 10_000, 'projection'),
    row('audit-replay', 50_000, 'cpu'),
  ];
  const latency = [
    { loadPercent: 50, targetPerSecond: 2250, achievedPerSecond: 2240, commands: 100, toEvent: summarize([10, 10, 20, 40]), toProjection: summarize([20, 30, 30, 200]) },
  ];
  return {
    meta: { mode: 'quick', command: 'npm run fabric -- bench --quick', startedAt: '2026-01-01T00:00:00.000Z', wallSeconds: 90, topicPrefix: 'planfabric-bench-x', machine: { cpus: '2 × test' }, knobs: { 'records per transaction': 500 } },
    throughput,
    scale: [
      { endpoints: 10, status: 'ok', workersStarted: 10, startupSeconds: 2, commands: 100, seconds: 1, perSecond: 100, transactions: 10, eventsPerTransaction: 10, rssMiBBefore: 100, rssMiBIdle: 110, rssMiBPeak: 120, heapMiBPeak: 50 },
      { endpoints: 1000, status: 'timeout', workersStarted: 400, startupSeconds: null, commands: 0, seconds: null, perSecond: null, transactions: 0, eventsPerTransaction: null, rssMiBBefore: 100, rssMiBIdle: 900, rssMiBPeak: 950, heapMiBPeak: 400, note: 'start-up did not finish' },
    ],
    latency,
    rebuild: [{ events: 10_000, seconds: 0.5, perSecond: 20_000, rssMiB: 200 }],
    targets: evaluateTargets({ throughput, latency }),
    notes: ['a note'],
  };
};

describe('bench report', () => {
  it('evaluates the targets as ratios, met or missed', () => {
    const targets = Object.fromEntries(results().targets.map((target) => [target.id, target]));
    expect(targets['sequencer-vs-txn-pipe']).toMatchObject({ value: 0.9, met: true });
    expect(targets['sequencer-vs-plain-pipe']).toMatchObject({ value: 0.45, met: false });
    expect(targets['sequencer-vs-postgres']).toMatchObject({ value: 4.5, met: true });
    expect(targets['sequencer-vs-postgres-async']).toMatchObject({ value: 2.25, met: false });
    expect(targets['latency-tail-event']).toMatchObject({ value: 4, met: false }); // p99 40 / p50 10
    expect(targets['latency-tail-projection']).toMatchObject({ value: 200 / 30, met: false });
    expect(targets['projector-vs-insert']).toMatchObject({ value: 0.7, met: false });
    expect(targets['replay-vs-sequencer']?.value).toBeCloseTo(50_000 / 4_500);
    expect(targets['replay-vs-sequencer']?.met).toBe(true);
    expect(evaluateTargets({ throughput: [], latency: [] }).every((target) => target.met === null && target.value === null)).toBe(true);
  });

  it('renders the Markdown table', () => {
    const markdown = renderMarkdown(results());
    expect(markdown).toContain('| sequencer-1 | 1,000 | 0.22 s | 4,500/s |  |');
    expect(markdown).toContain('| sequencer ≥ 0.85 × transactional pipe | 0.90× | **met** | 4,500/s vs 5,000/s |');
    expect(markdown).toContain('| sequencer ≥ 0.7 × plain pipe | 0.45× | **missed** |');
    expect(markdown).toContain('| 1,000 | TIMEOUT (400 started) | – | 0 | – | – | 100 / 900 / 950 | 400 |');
    expect(markdown).toContain('| 50% | 2,250/s (2,240/s) | 100 | 10 ms | 40 ms | 40 ms | 30 ms | 200 ms | 200 ms |');
    expect(markdown).toContain('- 1,000 endpoints: start-up did not finish');
    expect(markdown).toContain('- a note');
  });

  it('renders JSON without NaN and an SVG chart', () => {
    const value = results();
    const json = JSON.parse(renderJson({ ...value, throughput: [...value.throughput, row('broken', Number.NaN)] })) as BenchResults;
    expect(json.throughput.at(-1)?.perSecond).toBeNull();
    expect(json.targets).toHaveLength(8);
    const svg = renderSvg(value);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('sequencer-1');
    expect(svg).toContain('50% load, to projection, p99.9');
    expect(svg.trim().endsWith('</svg>')).toBe(true);
  });

  it('builds every command through one function, and the workload is stable', () => {
    const [register, propose] = workloadCommands('ep', 2);
    expect(JSON.parse(register!.value)).toMatchObject({ type: 'RegisterEndpoint', endpointId: 'ep', commandId: 'ep-c0' });
    expect(JSON.parse(propose!.value)).toMatchObject({ type: 'ProposePlan', payload: { generation: 1 } });
    const direct = buildCommand({ endpointId: 'ep', commandId: 'x', actor: { role: 'janitor', id: 'j' }, type: 'DeletePlan', payload: { generation: 1 } });
    const { signature, ...unsigned } = JSON.parse(direct.value) as Record<string, unknown>;
    expect(unsigned).toEqual({ actor: { id: 'j', role: 'janitor' }, commandId: 'x', endpointId: 'ep', payload: { generation: 1 }, type: 'DeletePlan' });
    expect(signature).toEqual({ key: simKey({ role: 'janitor', id: 'j' }).publicKey, sig: expect.stringMatching(/^[A-Za-z0-9_-]{86}$/) as string });
    const decided = sequence(withSimKeys(initialState('ep'), [{ role: 'janitor', id: 'j' }]), { offset: 0, value: direct.value }, BENCH_AUTHORITY);
    expect(decided.event).toMatchObject({ type: 'CommandRejected', data: { reason: 'UNKNOWN_ENDPOINT' } }); // authenticated: the next check's reason
  });
});
