import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparisonTable } from './demo-table';
import { DnsProbe, type DnsProbeResult, type DnsProbeSample } from './dns-probe';
import { dnsCheck } from './fabric-run';
import type { RunResult } from './run-results';

/**
 * A stand-in DNS server for the probe: answers each query by what `script`
 * says now — A records, NOERROR without records, or NXDOMAIN — built by hand
 * from the query's bytes (header and question copied, one A record per address).
 */
let script: { kind: 'records'; addresses: number[][] } | { kind: 'empty' } | { kind: 'nxdomain' } = { kind: 'nxdomain' };
let server: Socket;
let port: number;

beforeAll(async () => {
  server = createSocket('udp4');
  server.on('message', (query, peer) => {
    const questionEnd = query.indexOf(0, 12) + 5;
    const head = Buffer.from(query.subarray(0, questionEnd));
    const rcode = script.kind === 'nxdomain' ? 3 : 0;
    head.writeUInt16BE(0x8400 | rcode, 2); // QR, AA
    const addresses = script.kind === 'records' ? script.addresses : [];
    head.writeUInt16BE(addresses.length, 6);
    head.writeUInt16BE(0, 8);
    head.writeUInt16BE(0, 10);
    const answers = addresses.map((address) => Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, ...address]));
    server.send(Buffer.concat([head, ...answers]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  port = server.address().port;
});
afterAll(() => server?.close());

const waitFor = async (probe: DnsProbe, queries: number) => {
  while (probe.result().queries < queries) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe('DnsProbe', () => {
  it('tallies what a client resolves: empty before the first records is not an outage, empty after is', async () => {
    const changes: DnsProbeSample[] = [];
    const probe = new DnsProbe('web.fabric.internal', port, 5, (sample) => changes.push(sample));
    script = { kind: 'nxdomain' };
    probe.start();
    await waitFor(probe, 2);
    // Six queries per phase: on a loaded machine a query sent before a switch can be answered after it.
    script = { kind: 'empty' };
    await waitFor(probe, 8);
    script = { kind: 'records', addresses: [[192, 0, 2, 1], [192, 0, 2, 2]] };
    await waitFor(probe, 14);
    script = { kind: 'empty' };
    await waitFor(probe, 20);
    const result = await probe.stop();

    expect(result.queries).toBeGreaterThanOrEqual(20);
    expect(result.withRecords).toBeGreaterThanOrEqual(3);
    expect(result.emptyBeforeLive).toBeGreaterThanOrEqual(4);
    expect(result.emptyAfterLive).toBeGreaterThanOrEqual(3);
    expect(result.nxdomain).toBeGreaterThanOrEqual(1);
    expect(result.failed).toBe(0);
    expect(changes.map((change) => change.kind)).toEqual(['nxdomain', 'empty', 'records', 'empty']);
    expect(changes[2]).toMatchObject({ addresses: ['192.0.2.1', '192.0.2.2'], ttl: 30 });
  });

  it('counts a server that does not answer as failed, not as empty', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      const probe = new DnsProbe('web.fabric.internal', silent.address().port, 5);
      probe.start();
      await waitFor(probe, 1);
      const result = await probe.stop();
      expect(result.failed).toBeGreaterThanOrEqual(1);
      expect(result.emptyAfterLive + result.emptyBeforeLive).toBe(0);
      expect(result.last?.error).toBe('ETIMEOUT');
    } finally {
      silent.close();
    }
  });
});

const answers = (withRecords: number, emptyAfterLive: number, failed = 0): DnsProbeResult => ({
  name: 'demo-x.fabric.internal',
  port: 5353,
  queries: withRecords + emptyAfterLive + failed + 4,
  withRecords,
  emptyAfterLive,
  emptyBeforeLive: 4,
  nxdomain: 0,
  failed,
  last: null,
});

describe('the DNS face in the demo report', () => {
  it('checks invariant 8 through DNS: records once live, never empty after (a timeout is not an empty answer)', () => {
    expect(dnsCheck(answers(50, 0)).ok).toBe(true);
    expect(dnsCheck(answers(50, 0, 3))).toMatchObject({ ok: true, detail: expect.stringContaining('3 queries got no answer in time') });
    expect(dnsCheck(answers(50, 1)).ok).toBe(false);
    expect(dnsCheck(answers(0, 0)).ok).toBe(false);
    // Only timeouts: no evidence either way, reported rather than failed.
    expect(dnsCheck(answers(0, 0, 60))).toMatchObject({ ok: true, detail: expect.stringContaining('never answered') });
  });

  it('adds a DNS row to the side-by-side table', () => {
    const run = (dns: DnsProbeResult | null): RunResult => ({
      label: 'x',
      monitor: { emptyMs: 0, emptySpells: 0, samples: 1, firstLiveAtMs: 1, generationsSeen: [1], last: null },
      staleWritesLanded: 0,
      staleWritesRefused: null,
      claimsRefused: null,
      unsafeDeletesLanded: 0,
      unsafeDeletesRefused: null,
      unsafeDeletesRefusedByReason: {},
      plansDeleted: 0,
      applyFailures: 0,
      finalGeneration: 1,
      finalRecords: 3,
      decidedGeneration: null,
      dns,
    });
    const table = comparisonTable(run(answers(18, 39)), run(answers(28, 0, 2)));
    expect(table).toMatch(/DNS answers \(a client asking every 100 ms\)\s+18 with records, 39 EMPTY once live\s+28 with records, 0 empty once live, 2 no answer/);
    expect(comparisonTable(run(null), run(null))).not.toContain('DNS answers');
  });
});
