import { KeyStore, KeyStoreSigner } from '@plan-fabric/identity';
import { createLogger, loadConfig, type FabricConfig } from '@plan-fabric/config';
import { createPool } from '@plan-fabric/db';
import { CommandPublisher, createKafka } from '@plan-fabric/kafka';
import { kafkaProblem, postgresProblem } from '../services/preflight';
import { ServiceProcesses } from '../services/service-processes';
import { loadScenarioFile, ScenarioFileError, type Scenario } from './scenario-file';
import { endpointIdFor, newRunSuffix } from './scenario-commands';
import {
  errorText,
  playScenario,
  SCENARIO_RUNNER_DEFAULTS,
  ScenarioRunAborted,
  type ScenarioResult,
} from './scenario-runner';

export interface ScenarioRunOptions {
  /** Use a sequencer and projector that are already running instead of starting them for this run. */
  readonly attach: boolean;
  readonly outcomeWaitMs?: number;
  /** Copy the started services' logs to stderr as they come. */
  readonly verbose?: boolean;
  /** Report lines (default stdout) and problems (default stderr). */
  readonly write?: (line: string) => void;
  readonly writeError?: (line: string) => void;
  readonly config?: FabricConfig;
}

export interface ScenarioRunSummary {
  /** Checks: the runner's registrations, steps with `expect`, `final` blocks. */
  readonly passed: number;
  readonly failed: number;
  readonly scenarios: readonly ScenarioResult[];
  /** Why the run stopped early (stack down, no outcome), or null. */
  readonly problem: string | null;
  /** 0 all passed; 1 a check failed or the stack did not answer; 2 a file is not a valid scenario (nothing was sent). */
  readonly exitCode: 0 | 1 | 2;
}

/** Bounds of the pool the runner reads the projection with. */
const READ_POOL = { maxConnections: 2, connectionTimeoutMs: 5_000, statementTimeoutMs: 10_000, applicationName: 'fabric-scenario' } as const;

/**
 * `fabric scenario <files…>`: validates every file first, then plays them one
 * after another against the stack and ends with `N passed, N failed`.
 */
export async function runScenarioFiles(files: readonly string[], options: ScenarioRunOptions): Promise<ScenarioRunSummary> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const writeError = options.writeError ?? ((line: string) => process.stderr.write(`${line}\n`));
  const stop = (problem: string, exitCode: 1 | 2): ScenarioRunSummary => {
    writeError(problem);
    return { passed: 0, failed: 0, scenarios: [], problem, exitCode };
  };

  const scenarios: Scenario[] = [];
  const invalid: string[] = [];
  for (const file of files) {
    try {
      scenarios.push(await loadScenarioFile(file));
    } catch (error) {
      if (!(error instanceof ScenarioFileError)) throw error;
      invalid.push(error.message);
    }
  }
  if (invalid.length > 0) {
    return stop(`${invalid.join('\n')}\nnothing was sent: fix the scenario file${invalid.length > 1 ? 's' : ''} above (format: SCENARIOS.md)`, 2);
  }
  if (scenarios.length === 0) return stop('no scenario files given: `npm run fabric -- scenario <file.json>…`', 2);

  const config = options.config ?? loadConfig();
  const logger = createLogger('fabric-scenario', config.logLevel);
  const kafkaDown = await kafkaProblem(config);
  if (kafkaDown !== null) return stop(kafkaDown, 1);

  const pool = createPool(config, logger, READ_POOL);
  let services: ServiceProcesses | null = null;
  let publisher: CommandPublisher | null = null;
  try {
    const postgresDown = await postgresProblem(pool, config);
    if (postgresDown !== null) return stop(postgresDown, 1);

    // One suffix for the run: its endpoints are `<name>-<suffix><n>`, and the services it starts serve only those,
    // instead of starting a worker for every endpoint the broker holds.
    const runSuffix = newRunSuffix();
    // The key directory's root signs operator commands; actor keys are created there on first use.
    const keys = new KeyStore(config.keysDir);
    keys.init();
    const signer = new KeyStoreSigner(keys);
    if (!options.attach) {
      const started = Date.now();
      write('starting the sequencer and projector for this run …');
      try {
        services = await ServiceProcesses.start({
          echo: options.verbose ?? false,
          env: { ...process.env, FABRIC_ENDPOINTS: `-${runSuffix}[0-9]+$` },
        });
      } catch (error) {
        return stop(`${errorText(error)}\n(to use a sequencer and projector that run elsewhere, pass --attach)`, 1);
      }
      write(`started ${services.describe()} in ${((Date.now() - started) / 1000).toFixed(1)} s (stopped when the run ends; --attach uses running ones)`);
    }
    const running = services;
    const noOutcomeHint =
      running === null
        ? 'are the sequencer and projector running? `npm run fabric -- services` runs both, or leave out --attach'
        : `the ${running.describe()} this run started are up but nothing was projected: rerun with --verbose to see their logs`;

    publisher = new CommandPublisher(createKafka(config, 'fabric-scenario', logger, 'operator'), config);
    await publisher.connect();
    const sender = publisher;

    const results: ScenarioResult[] = [];
    let problem: string | null = null;
    for (const [i, scenario] of scenarios.entries()) {
      try {
        results.push(
          await playScenario(
            scenario,
            {
              publishRaw: (endpointId, value) => sender.publishRaw(endpointId, value),
              pool,
              signer,
              write,
              servicesProblem: running === null ? undefined : () => running.problem(),
              noOutcomeHint,
            },
            { ...SCENARIO_RUNNER_DEFAULTS, outcomeWaitMs: options.outcomeWaitMs ?? SCENARIO_RUNNER_DEFAULTS.outcomeWaitMs },
            endpointIdFor(scenario.name, `${runSuffix}${i}`),
          ),
        );
      } catch (error) {
        if (!(error instanceof ScenarioRunAborted)) throw error;
        results.push(error.partial);
        const left = scenarios.length - i - 1;
        problem = error.message;
        writeError(`stopped: ${problem}`);
        write(`  ${scenario.name}: FAIL (stopped; the rest of it${left > 0 ? ` and ${left} more scenario file${left > 1 ? 's' : ''}` : ''} not run)`);
        break;
      }
    }
    const passed = results.reduce((sum, result) => sum + result.passed, 0);
    const failed = results.reduce((sum, result) => sum + result.failed, 0);
    write(`${passed} passed, ${failed} failed`);
    return { passed, failed, scenarios: results, problem, exitCode: failed === 0 && problem === null ? 0 : 1 };
  } finally {
    await publisher?.disconnect().catch((error: unknown) => logger.warn('disconnecting from Kafka failed', { error }));
    await services?.stop();
    await pool.end();
  }
}
