import type { Pool } from 'pg';
import type { Signer } from '@plan-fabric/identity';
import type { Published } from '@plan-fabric/kafka';
import { endpointView, outcomeAt, type EndpointView, type OutcomeRow } from '@plan-fabric/db';
import type { Scenario, ScenarioStep } from './scenario-file';
import {
  describeActor,
  describeStep,
  endpointIdFor,
  newRunSuffix,
  keySteps,
  registrationStep,
  stepRecordValue,
} from './scenario-commands';
import { columnsFor, describeFinal, finalMismatches, noteLine, outcomeLabel, stepLine, type Verdict } from './scenario-report';

export const SCENARIO_RUNNER_DEFAULTS = {
  /** How long one step may wait for its outcome to appear in the projection. */
  outcomeWaitMs: 30_000,
  /** Pause between two reads of the projection while waiting. */
  outcomePollMs: 100,
} as const;

/** What playing a scenario needs from the outside world; the CLI wires Kafka and Postgres in. */
export interface ScenarioIo {
  /** Sends one record value to the endpoint's command topic (creating its topics first if needed); resolves with its offset. */
  publishRaw(endpointId: string, value: string): Promise<Published>;
  readonly pool: Pool;
  /** Signs each step's command as its actor (the runner holds a registered key for every actor it names). */
  readonly signer: Signer;
  /** One report line. */
  write(line: string): void;
  /** Something that makes waiting pointless (a service this run started has exited), or null. */
  servicesProblem?(): string | null;
  /** What to suggest when no outcome appears. */
  readonly noOutcomeHint: string;
}

export interface ScenarioRunLimits {
  readonly outcomeWaitMs: number;
  readonly outcomePollMs: number;
}

export interface ScenarioResult {
  readonly file: string;
  readonly name: string;
  readonly endpointId: string;
  readonly passed: number;
  readonly failed: number;
}

/**
 * Stops the whole run: the stack did not answer (no outcome in time, a send
 * failed, a service exited). Steps after it would only wait in vain.
 */
export class ScenarioRunAborted extends Error {
  override readonly name = 'ScenarioRunAborted';
  constructor(
    message: string,
    /** Checks of this scenario counted so far, the failing one included. */
    readonly partial: ScenarioResult,
  ) {
    super(message);
  }
}

/**
 * Plays one scenario against the running stack: registers its endpoint (unless
 * a step does), sends each step and waits for that record's outcome before the
 * next, then checks `final`. Counts checks: the runner's registration, every
 * step with an `expect`, and `final` (one check); the runner's key
 * registrations (see keySteps) count only when one fails.
 */
export async function playScenario(
  scenario: Scenario,
  io: ScenarioIo,
  limits: ScenarioRunLimits = SCENARIO_RUNNER_DEFAULTS,
  endpointId: string = endpointIdFor(scenario.name, newRunSuffix()),
): Promise<ScenarioResult> {
  let passed = 0;
  let failed = 0;
  const result = (): ScenarioResult => ({ file: scenario.file, name: scenario.name, endpointId, passed, failed });
  const count = (ok: boolean) => (ok ? passed++ : failed++);

  io.write(`▶ ${scenario.name}  (${scenario.file} → endpoint ${endpointId})`);
  if (scenario.about !== null) io.write(`  ${scenario.about}`);

  const setup = [...keySteps(scenario.steps, io.signer), ...(scenario.registration === null ? [] : [registrationStep(scenario.registration)])];
  const steps = [...setup, ...scenario.steps];
  const columns = columnsFor(steps.map((step) => ({ actor: describeActor(step), command: describeStep(step) })));
  for (const step of steps) {
    const line = (got: string, verdict: Verdict) =>
      stepLine(columns, step.kind === 'command' && step.label !== undefined ? step.label : step.index === 0 ? 'reg' : String(step.index), describeActor(step), describeStep(step), step.expect ?? '-', got, verdict);
    let offset: number;
    let outcome: OutcomeRow;
    try {
      ({ offset } = await io.publishRaw(endpointId, stepRecordValue(step, endpointId, io.signer)));
      outcome = await waitForOutcome(io, limits, endpointId, offset);
    } catch (error) {
      count(false);
      io.write(line('(nothing)', 'FAIL'));
      const message = error instanceof NoOutcome ? error.message : `sending step ${step.index} to endpoint ${endpointId} failed: ${errorText(error)}`;
      throw new ScenarioRunAborted(message, result());
    }
    const got = outcomeLabel(outcome);
    const verdict: Verdict = step.expect === null ? 'info' : got === step.expect ? 'PASS' : 'FAIL';
    // The runner's key registrations are set-up, not the scenario's checks: they count only when they fail.
    const setupPassed = step.kind === 'command' && step.label === 'key' && verdict === 'PASS';
    if (verdict !== 'info' && !setupPassed) count(verdict === 'PASS');
    io.write(line(got, verdict));
    if (verdict === 'FAIL') io.write(noteLine(mismatchNote(step, offset, outcome)));
    if (verdict === 'FAIL' && step.kind === 'command' && step.label === 'key') {
      io.write(noteLine('the runner could not register an actor key: is the sequencer trusting this key directory\'s root? (FABRIC_KEYS_DIR, FABRIC_TRUST_ROOTS)'));
    }
    if (verdict === 'FAIL' && step.index === 0) io.write(noteLine('the runner could not register the endpoint: check the `endpoint` block'));
  }

  if (scenario.final !== null) {
    let view: EndpointView | null;
    try {
      view = await endpointView(io.pool, endpointId);
    } catch (error) {
      count(false);
      throw new ScenarioRunAborted(`reading the projection of endpoint ${endpointId} for \`final\` failed: ${errorText(error)}`, result());
    }
    const problems =
      view === null ? [`the projection has no row for endpoint ${endpointId} (fabric.endpoints)`] : finalMismatches(scenario.final, view);
    count(problems.length === 0);
    io.write(`${'final'.padStart(5)}  ${describeFinal(scenario.final)}  ${problems.length === 0 ? 'PASS' : 'FAIL'}`);
    for (const problem of problems) io.write(noteLine(problem));
  }

  io.write(`  ${scenario.name}: ${failed === 0 ? 'PASS' : 'FAIL'} (${passed} passed, ${failed} failed)`);
  return result();
}

function mismatchNote(step: ScenarioStep, offset: number, outcome: OutcomeRow): string {
  const what = outcome.detail ? `${outcome.outcome}: ${outcome.detail}` : outcome.outcome;
  const fixedId = step.kind === 'command' && step.commandId !== null ? `, commandId ${step.commandId}` : '';
  return `${what} (command offset ${offset}${fixedId})`;
}

/** No outcome appeared in time, or a service this run started has died; the message says which and what to do. */
class NoOutcome extends Error {}

/** Polls the projection for the record's outcome until `outcomeWaitMs` has passed. */
async function waitForOutcome(io: ScenarioIo, limits: ScenarioRunLimits, endpointId: string, offset: number): Promise<OutcomeRow> {
  const deadline = Date.now() + limits.outcomeWaitMs;
  const none = `no outcome for offset ${offset} of endpoint ${endpointId}`;
  for (;;) {
    const problem = io.servicesProblem?.() ?? null;
    if (problem !== null) throw new NoOutcome(`${none}: ${problem}`);
    let readError: unknown = null;
    try {
      const outcome = await outcomeAt(io.pool, endpointId, offset);
      if (outcome !== null) return outcome;
    } catch (error) {
      // The projector may not have created its tables yet: keep waiting, and say so if it lasts.
      readError = error;
    }
    if (Date.now() >= deadline) {
      const reading = readError === null ? '' : `; reading fabric.decisions failed: ${errorText(readError)}`;
      throw new NoOutcome(`${none} after ${limits.outcomeWaitMs / 1000} s${reading} — ${io.noOutcomeHint}`);
    }
    await sleep(limits.outcomePollMs);
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
