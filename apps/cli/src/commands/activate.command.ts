import { userInfo } from 'node:os';
import { createLogger, loadConfig } from '@plan-fabric/config';
import { KeyStore, KeyStoreSigner } from '@plan-fabric/identity';
import { intOption, parseOptions, UsageError, type CliCommand } from '../cli/cli-command';
import { kafkaProblem } from '../services/preflight';
import { loadDashboard } from './dashboard.command';

export const ACTIVATE_DEFAULTS = { outcomeWaitMs: 30_000 } as const;

export const activateCommand: CliCommand = {
  name: 'activate',
  summary: 'OperatorActivate: make a plan live (roll back, or past the capacity guard), with a reason',
  help: `usage: fabric activate <endpoint> <generation> --reason "…" [--operator ID] [--outcome-wait-ms N] [--json]

Publishes OperatorActivate {generation, reason} to the endpoint's command
log, as actor {role: operator, id: ID}, and waits for the sequencer's
outcome in the projection. The only way backwards or past the capacity
guard: it clears every confirmation, and enactors can no longer apply plans
proposed before it. The reason is kept in the event log with the activation.

Prints the outcome; exit code 0 accepted, 1 rejected (the reason says why,
e.g. UNKNOWN_PLAN, PLAN_DELETED, ALREADY_ACTIVE) or no outcome in time,
2 bad arguments or an endpoint the projection does not know (nothing sent).
Try it first with \`fabric dry-run\`.

Options:
  --reason TEXT         why (required; 1 to 512 characters)
  --operator ID         your actor id (default: your user name, ${safeUser()})
  --outcome-wait-ms N   how long to wait for the outcome (default ${ACTIVATE_DEFAULTS.outcomeWaitMs})
  --json                print the outcome as JSON

Needs Kafka and Postgres and a running sequencer and projector
(\`npm run fabric -- services\`). Reads Postgres as the read-only role.`,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      reason: { type: 'string' },
      operator: { type: 'string' },
      'outcome-wait-ms': { type: 'string' },
      json: { type: 'boolean' },
    });
    const [endpointId, generationText, ...extra] = positionals;
    if (endpointId === undefined || generationText === undefined || extra.length > 0) {
      throw new UsageError('name the endpoint and the generation: fabric activate <endpoint> <generation> --reason "…"');
    }
    if (values.reason === undefined) throw new UsageError('--reason is required: say why the plan must go live');
    const generation = Number(generationText);
    if (!/^\d+$/.test(generationText) || !Number.isSafeInteger(generation)) throw new UsageError(`generation '${generationText}' is not a positive integer`);
    const outcomeWaitMs = intOption('outcome-wait-ms', values['outcome-wait-ms'], ACTIVATE_DEFAULTS.outcomeWaitMs);

    const config = loadConfig();
    const kafkaDown = await kafkaProblem(config);
    if (kafkaDown !== null) {
      process.stderr.write(`${kafkaDown}\n`);
      return 1;
    }
    const logger = createLogger('fabric-activate', config.logLevel === 'info' ? 'warn' : config.logLevel);
    const { KafkaPublisherSource, OperatorActions, OperatorInputError, createReaderPool, dashboardSettings } = await loadDashboard();
    const settings = dashboardSettings(config, { outcomeWaitMs });
    const pool = createReaderPool(config, settings.readerDatabaseUrl, logger);
    const publishers = new KafkaPublisherSource(config, logger, 'fabric-activate');
    try {
      const result = await new OperatorActions(pool, publishers, settings, new KeyStoreSigner(new KeyStore(config.keysDir))).activate({
        endpointId,
        generation,
        reason: values.reason,
        operatorId: values.operator ?? safeUser(),
      });
      if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else if (result.outcome === 'accepted') {
        process.stdout.write(
          `accepted: generation ${result.activeGeneration ?? generation} is live on ${endpointId} (command ${result.commandId} at offset ${result.commandOffset}, event seq ${result.seq})\n`,
        );
      } else if (result.outcome === 'pending') {
        process.stdout.write(`sent, no outcome yet: ${result.detail} (command ${result.commandId} at offset ${result.commandOffset})\n`);
      } else {
        process.stdout.write(`${result.outcome}${result.reason !== null ? ` ${result.reason}` : ''}: ${result.detail ?? ''} (command ${result.commandId} at offset ${result.commandOffset})\n`);
      }
      return result.outcome === 'accepted' || result.outcome === 'duplicate' ? 0 : 1;
    } catch (error) {
      if (error instanceof OperatorInputError) throw new UsageError(error.message);
      throw error;
    } finally {
      await publishers.close();
      await pool.end().catch(() => undefined);
    }
  },
};

export function safeUser(): string {
  try {
    return userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}
