import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { metricsPortOf, parseMetricsPort, startMetricsServer } from './metrics-server';
import { MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from './registry';

describe('MetricsRegistry', () => {
  it('renders counters, gauges and histograms in the text format 0.0.4', () => {
    const registry = new MetricsRegistry();
    const decisions = registry.counter('plan_fabric_decisions_total', 'Decided commands.', ['endpoint', 'outcome', 'reason']);
    const lag = registry.gauge('plan_fabric_consumer_lag', 'Records not yet decided.', ['endpoint']);
    const latency = registry.histogram('plan_fabric_transaction_seconds', 'Transaction latency.', [], [0.01, 0.1, 1]);
    const idle = registry.counter('plan_fabric_idle_total', 'Never touched.');
    decisions.inc({ endpoint: 'b', outcome: 'accepted', reason: 'none' });
    decisions.inc({ endpoint: 'a', outcome: 'rejected', reason: 'STALE_GENERATION' }, 2);
    decisions.inc({ endpoint: 'a', outcome: 'rejected', reason: 'STALE_GENERATION' });
    lag.set({ endpoint: 'a' }, 7);
    latency.observe({}, 0.005);
    latency.observe({}, 0.05);
    latency.observe({}, 0.05);
    latency.observe({}, 3);
    expect(idle.get()).toBe(0);

    expect(registry.render()).toBe(
      [
        '# HELP plan_fabric_decisions_total Decided commands.',
        '# TYPE plan_fabric_decisions_total counter',
        'plan_fabric_decisions_total{endpoint="a",outcome="rejected",reason="STALE_GENERATION"} 3',
        'plan_fabric_decisions_total{endpoint="b",outcome="accepted",reason="none"} 1',
        '# HELP plan_fabric_consumer_lag Records not yet decided.',
        '# TYPE plan_fabric_consumer_lag gauge',
        'plan_fabric_consumer_lag{endpoint="a"} 7',
        '# HELP plan_fabric_transaction_seconds Transaction latency.',
        '# TYPE plan_fabric_transaction_seconds histogram',
        'plan_fabric_transaction_seconds_bucket{le="0.01"} 1',
        'plan_fabric_transaction_seconds_bucket{le="0.1"} 3',
        'plan_fabric_transaction_seconds_bucket{le="1"} 3',
        'plan_fabric_transaction_seconds_bucket{le="+Inf"} 4',
        'plan_fabric_transaction_seconds_sum 3.105',
        'plan_fabric_transaction_seconds_count 4',
        '# HELP plan_fabric_idle_total Never touched.',
        '# TYPE plan_fabric_idle_total counter',
        'plan_fabric_idle_total 0',
        '',
      ].join('\n'),
    );
  });

  it('puts histogram labels before le, escapes label values and help text, and forgets removed series', () => {
    const registry = new MetricsRegistry();
    const histogram = registry.histogram('h_seconds', 'line one\nback\\slash', ['endpoint'], [1]);
    const gauge = registry.gauge('g', 'a gauge', ['endpoint']);
    histogram.observe({ endpoint: 'x"y\\z\nw' }, 0.5);
    gauge.set({ endpoint: 'gone' }, 1);
    gauge.set({ endpoint: 'kept' }, -Infinity);
    expect(gauge.remove({ endpoint: 'gone' })).toBe(true);
    const text = registry.render();
    expect(text).toContain('# HELP h_seconds line one\\nback\\\\slash\n');
    expect(text).toContain('h_seconds_bucket{endpoint="x\\"y\\\\z\\nw",le="1"} 1\n');
    expect(text).toContain('h_seconds_bucket{endpoint="x\\"y\\\\z\\nw",le="+Inf"} 1\n');
    expect(text).toContain('h_seconds_count{endpoint="x\\"y\\\\z\\nw"} 1\n');
    expect(text).not.toContain('gone');
    expect(text).toContain('g{endpoint="kept"} -Inf\n');
  });

  it('refuses what Prometheus would not accept', () => {
    const registry = new MetricsRegistry();
    expect(() => registry.counter('1bad', 'x')).toThrow(/not a valid/);
    expect(() => registry.counter('ok_total', 'x', ['__reserved'])).toThrow(/label name/);
    expect(() => registry.histogram('h', 'x', ['le'])).toThrow(/reserved/);
    expect(() => registry.histogram('h2', 'x', [], [1, 1])).toThrow(/increase/);
    const counter = registry.counter('c_total', 'x', ['endpoint']);
    expect(() => registry.counter('c_total', 'x')).toThrow(/twice/);
    expect(() => counter.inc({ endpoint: 'a' }, -1)).toThrow(/only go up/);
    expect(() => counter.inc({ endpont: 'a' } as never)).toThrow(/no label 'endpont'/);
    expect(() => counter.inc({})).toThrow(/needs a string value/);
  });
});

describe('metrics server', () => {
  it('serves GET /metrics with the Prometheus content type, 404 elsewhere, 405 for other methods', async () => {
    const registry = new MetricsRegistry();
    registry.counter('served_total', 'x').inc();
    const server = await startMetricsServer(registry, { port: 0 });
    try {
      expect(server.url).toBe(`http://127.0.0.1:${server.port}/metrics`);
      const ok = await get(server.port, '/metrics');
      expect(ok.status).toBe(200);
      expect(ok.contentType).toBe(PROMETHEUS_CONTENT_TYPE);
      expect(ok.body).toContain('served_total 1\n');
      expect((await get(server.port, '/')).status).toBe(404);
      expect((await get(server.port, '/metrics', 'POST')).status).toBe(405);
      // The port is taken now: a second listener is refused, not silently moved.
      await expect(startMetricsServer(registry, { port: server.port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await server.close();
    }
  });

  it('reads FABRIC_METRICS_PORT and gives each service its own port', () => {
    expect(parseMetricsPort(undefined)).toBeNull();
    expect(parseMetricsPort('')).toBeNull();
    expect(parseMetricsPort('9464')).toBe(9464);
    expect(parseMetricsPort('0')).toBe(0);
    expect(() => parseMetricsPort('http')).toThrow(/FABRIC_METRICS_PORT=http/);
    expect(() => parseMetricsPort('70000')).toThrow(/TCP port/);
    expect(metricsPortOf('sequencer', 9464)).toBe(9464);
    expect(metricsPortOf('projector', 9464)).toBe(9465);
    expect(metricsPortOf('projector', 0)).toBe(0);
    expect(metricsPortOf('projector', null)).toBeNull();
  });
});

function get(port: number, path: string, method = 'GET'): Promise<{ status: number; contentType: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}
