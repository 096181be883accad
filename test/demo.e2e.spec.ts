import { describe, expect, it } from 'vitest';
import { runDemoDetailed } from '../apps/cli/src/demo';

/**
 * The whole system: the demo's quick schedule with real processes — a
 * sequencer, a projector, planner / enactor / janitor apps, the naive actors —
 * against the real Kafka and Postgres of the test infrastructure.
 */
describe('npm run demo (quick schedule)', () => {
  it('the naive plane loses the endpoint; the fabric keeps it serving and breaks no invariant', async () => {
    let output = '';
    const result = await runDemoDetailed({ quick: true, write: (text) => (output += text) });

    expect(result.stagingProblems, output).toEqual([]);
    expect(result.naive.monitor.emptyMs, output).toBeGreaterThan(0);
    expect(result.naive.finalRecords, output).toBe(0);
    expect(result.naive.staleWritesLanded, output).toBeGreaterThan(0);
    expect(result.naive.unsafeDeletesLanded, output).toBeGreaterThan(0);

    expect(result.checks.filter((check) => !check.ok), output).toEqual([]);
    expect(result.checks.map((check) => check.name.split(' ')[0]), output).toEqual(expect.arrayContaining(['I1–I5', 'I6', 'I7', 'I8']));
    expect(result.fabric.monitor.emptyMs, output).toBe(0);
    expect(result.fabric.staleWritesLanded, output).toBe(0);
    expect(result.fabric.unsafeDeletesLanded, output).toBe(0);
    expect(result.fabric.finalRecords, output).toBeGreaterThan(0);
    expect(result.fabric.finalGeneration, output).toBe(result.fabric.decidedGeneration);
    // Through the DNS face, as clients resolve it: the naive endpoint answered empty, the fabric's never did.
    expect(result.naive.dns?.emptyAfterLive, output).toBeGreaterThan(0);
    expect(result.fabric.dns?.emptyAfterLive, output).toBe(0);
    expect(result.fabric.dns?.withRecords, output).toBeGreaterThan(0);
    expect(result.exitCode, output).toBe(0);
    expect(output).toContain('naive control plane');
  }, 180_000);
});
