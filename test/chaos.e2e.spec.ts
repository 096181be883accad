import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, formatReport, startChaos, type ChaosReport } from '@plan-fabric/chaos';

/**
 * `fabric chaos --quick` as the suite runs it: its own Kafka broker and Postgres cluster (never the
 * shared ones the other tests use), two sequencers and a projector as child processes, every fault
 * kind at least twice under a steady load, then the audit of both logs and the projection.
 */
describe('fabric chaos (CI size)', () => {
  it('absorbs every fault: no violation, no lost command, each fault kind injected at least twice', async () => {
    const lines: string[] = [];
    const handle = startChaos({
      repoRoot: resolve(__dirname, '..'),
      quick: true,
      durationS: 0,
      endpoints: 3,
      progress: (line) => {
        lines.push(line);
        process.stderr.write(`${line}\n`);
      },
    });
    const report: ChaosReport = await handle.report;
    const table = formatReport(report);
    process.stderr.write(`${table}\n`);
    const context = `${table}\n\nprogress:\n${lines.join('\n')}`;

    expect(report.problems, context).toEqual([]);
    expect(report.violations, context).toBe(0);
    expect(report.lost, context).toBe(0);
    for (const kind of FAULT_KINDS) expect(report.faults[kind], `${kind}\n${context}`).toBeGreaterThanOrEqual(2);
    // Every acknowledged send is a record with exactly one outcome (a send abandoned as timed out may still
    // have landed: records can outnumber acknowledgements); resends after an ack are absorbed.
    expect(report.commandRecords, context).toBeGreaterThanOrEqual(report.commandsSent);
    expect(report.outcomes.accepted + report.outcomes.rejected + report.outcomes.duplicate, context).toBe(report.commandRecords);
    expect(report.duplicatesAbsorbed, context).toBeGreaterThanOrEqual(report.resendsAfterAck);
    // Each paused sequencer, resumed after the takeover, had its commit refused.
    expect(report.fencedWrites, context).toBe(report.faults['sequencer-pause']);
    expect(report.outcomes.accepted, context).toBeGreaterThan(0);
  }, 600_000);
});
