import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenarioFiles, type ScenarioRunSummary } from '../apps/cli/src/scenario/run-scenario-files';
import { ServiceProcesses } from '../apps/cli/src/services/service-processes';

/** shared/ sits beside the repository root (in CI: a fresh clone with a copy of shared/ next to it). */
const SHARED_SCENARIOS = resolve(__dirname, '../../shared/scenarios');
const files = readdirSync(SHARED_SCENARIOS)
  .filter((name) => name.endsWith('.json'))
  .sort();

/** Runs files through the runner of `fabric scenario`, against the services started below; returns its summary and report. */
async function run(paths: readonly string[]): Promise<{ summary: ScenarioRunSummary; report: string }> {
  const lines: string[] = [];
  const summary = await runScenarioFiles(paths, {
    attach: true,
    write: (line) => lines.push(line),
    writeError: (line) => lines.push(`error: ${line}`),
  });
  return { summary, report: lines.join('\n') };
}

describe('scenario files against the real stack', () => {
  let services: ServiceProcesses;
  let scratch: string;

  beforeAll(async () => {
    // One sequencer and projector for all files (as `fabric services` would run them); each run attaches.
    services = await ServiceProcesses.start({ echo: false });
    scratch = mkdtempSync(join(tmpdir(), 'fabric-scenarios-'));
  });

  afterAll(async () => {
    await services?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('finds the shared scenario files', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  it.each(files)('%s passes', async (name) => {
    const { summary, report } = await run([join(SHARED_SCENARIOS, name)]);
    expect(summary.problem, report).toBeNull();
    expect(summary.failed, report).toBe(0);
    expect(summary.passed, report).toBeGreaterThan(0);
    expect(summary.exitCode, report).toBe(0);
    expect(report.split('\n').at(-1)).toBe(`${summary.passed} passed, 0 failed`);
  });

  it('fails a scenario whose expectations are wrong, and says where', async () => {
    const wrong = join(scratch, 'wrong-expectations.json');
    writeFileSync(
      wrong,
      JSON.stringify({
        name: 'wrong-expectations',
        about: 'deliberately wrong: the runner must report these as failures',
        endpoint: { enactors: ['e1'] },
        steps: [
          { as: 'planner', do: 'ProposePlan', generation: 1, records: ['192.0.2.1'], expect: 'accepted' },
          // Applying a plan that was never proposed is UNKNOWN_PLAN, not accepted.
          { as: 'enactor:e1', do: 'ApplyPlan', generation: 7, expect: 'accepted' },
        ],
        final: { activeGeneration: 1 },
      }),
    );
    const { summary, report } = await run([wrong]);
    expect(summary.problem, report).toBeNull();
    expect(summary.exitCode).toBe(1);
    // registration and step 1 pass; step 2 and final fail
    expect({ passed: summary.passed, failed: summary.failed }, report).toEqual({ passed: 2, failed: 2 });
    expect(report).toMatch(/\n\s+2 {2}enactor:e1 +ApplyPlan g7 +expect accepted +got UNKNOWN_PLAN +FAIL/);
    expect(report).toContain('activeGeneration: expected 1, got null');
    expect(report.split('\n').at(-1)).toBe('2 passed, 2 failed');
  });

  it('registers nothing when a step registers the endpoint: earlier steps meet an unknown endpoint', async () => {
    const selfRegistering = join(scratch, 'self-registering.json');
    writeFileSync(
      selfRegistering,
      JSON.stringify({
        name: 'self-registering',
        endpoint: { enactors: ['ignored'] },
        steps: [
          { as: 'planner', do: 'ProposePlan', generation: 1, records: ['192.0.2.1'], expect: 'UNKNOWN_ENDPOINT' },
          { as: 'operator', do: 'RegisterEndpoint', enactors: ['e1'], expect: 'accepted' },
          { as: 'operator', do: 'RegisterEndpoint', enactors: ['e1'], expect: 'ALREADY_REGISTERED' },
          { as: 'planner', do: 'ProposePlan', generation: 1, records: ['192.0.2.1'], expect: 'accepted' },
        ],
        final: { activeGeneration: null, validGenerations: [], confirmed: { e1: null } },
      }),
    );
    const { summary, report } = await run([selfRegistering]);
    expect({ passed: summary.passed, failed: summary.failed }, report).toEqual({ passed: 5, failed: 0 });
    expect(report).not.toMatch(/^\s+reg /m);
  });

  it('refuses an invalid file before sending anything', async () => {
    const bad = join(scratch, 'bad.json');
    writeFileSync(bad, JSON.stringify({ name: 'bad', endpoint: { enactors: ['e1'] }, steps: [{ as: 'planner', do: 'Nope' }] }));
    const { summary, report } = await run([join(SHARED_SCENARIOS, files[0]!), bad]);
    expect(summary.exitCode).toBe(2);
    expect(summary.scenarios).toEqual([]);
    expect(report).toContain(`${bad}: step 1: \`do\` must be one of`);
  });
});
