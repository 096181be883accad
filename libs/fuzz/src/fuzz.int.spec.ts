import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, loadConfig } from '@plan-fabric/config';
import { LIMITS } from '@plan-fabric/domain';
import { testEndpointId } from '@plan-fabric/testing';
import { runEdgeFuzz, type SequencerStarter } from './edge-fuzz';
import { formatEdgeReport, formatEdgeViolations } from './fuzz-report';

// The sequencer is an application with no import alias: the real one, started in this process from its entry file.
const loadSequencer = async (): Promise<SequencerStarter> =>
  ((await import(resolve(__dirname, '../../../apps/sequencer/src/index.ts'))) as { startSequencer: SequencerStarter }).startSequencer;

describe('fabric fuzz --kafka: hostile records at the edge, on real Kafka', () => {
  it('200 hostile records: one outcome each in order, dead letters for the MALFORMED, replay byte for byte; above Kafka\'s limit refused at send', async () => {
    const startSequencer = await loadSequencer();
    const count = 200;
    const report = await runEdgeFuzz({
      config: loadConfig(),
      logger: createLogger('fuzz-test', 'warn'),
      seed: 20_251_203,
      count,
      endpointId: testEndpointId('fuzz'),
      // The largest record Kafka accepts: its dead-letter copy, headers and all, must still fit.
      largestRecordProbe: true,
      startSequencer: (config) => startSequencer(config, createLogger('sequencer', 'warn')),
    });
    process.stdout.write(`\n${formatEdgeReport(report)}\n`);
    const shown = `${formatEdgeReport(report)}\n${formatEdgeViolations(report)}`;

    expect(report.violations, shown).toEqual([]);
    expect(report.inputs).toBe(count);
    expect(report.setupRecords).toBeGreaterThan(7); // the actors' keys, then registration and plans
    expect(report.records).toBe(count + report.setupRecords + 3); // the hostile records, the setup, the three size probes
    expect(report.eventsMatchDecide).toBe(true);
    expect(report.replayMatches).toBe(true);
    expect(report.malformed).toBeGreaterThan(count / 3);
    expect(report.deadLetters).toBe(report.malformed);

    // The limits: commandBytesMax is the application's, max.message.bytes is Kafka's own, outside it.
    expect(report.probes.map((probe) => [probe.bytes > LIMITS.commandBytesMax && probe.bytes < report.brokerRecordBytesMax, probe.outcome])).toEqual([
      [true, 'MALFORMED'],
      [true, 'MALFORMED'],
      [true, 'MALFORMED'],
    ]);
    expect(report.refused, 'a record above max.message.bytes is refused at send').not.toBeNull();
    expect(report.refused!.bytes).toBeGreaterThan(report.brokerRecordBytesMax);
  }, 300_000);
});
