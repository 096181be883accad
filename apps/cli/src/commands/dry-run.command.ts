import { readFile } from 'node:fs/promises';
import { createLogger, loadConfig } from '@plan-fabric/config';
import { KeyStore, KeyStoreSigner } from '@plan-fabric/identity';
import { parseOptions, UsageError, type CliCommand } from '../cli/cli-command';
import { loadDashboard } from './dashboard.command';

/** Largest command text read (the sequencer's own limit is 64 KiB; a little more, so it can say so). */
const INPUT_BYTES_MAX = 1024 * 1024;

export const dryRunCommand: CliCommand = {
  name: 'dry-run',
  summary: 'what the sequencer would decide for a command now, appending nothing',
  help: `usage: fabric dry-run <endpoint> <command.json | ->

Folds the endpoint's event log (from the Postgres projection) into the state
the sequencer holds and runs the real decide on the command, at the next
command offset. Prints the event it would append — the state event, or
CommandRejected with its reason and detail — as JSON on stdout, and a
summary on stderr. Nothing is sent to Kafka and nothing is written.

The command is a JSON file, or - for standard input. commandId and
endpointId may be left out (they are filled in); a text that is not JSON is
tried as a raw record (it would be MALFORMED). Example:

  echo '{"type":"DeletePlan","actor":{"role":"janitor","id":"j1"},"payload":{"generation":3}}' \\
    | npm run fabric -- dry-run my-endpoint -

Exit code: 0 answered (whatever the outcome), 1 Postgres did not answer,
2 bad arguments. Reads Postgres as the read-only role fabric_reader.`,
  async run(args) {
    const { positionals } = parseOptions(args, {});
    const [endpointId, source, ...extra] = positionals;
    if (endpointId === undefined || source === undefined || extra.length > 0) {
      throw new UsageError('name the endpoint and the command file (or - for standard input)');
    }
    const text = source === '-' ? await readStdin() : await readFile(source, 'utf8').catch((error: Error) => {
      throw new UsageError(`cannot read ${source}: ${error.message}`);
    });
    if (Buffer.byteLength(text) > INPUT_BYTES_MAX) throw new UsageError(`the command is over ${INPUT_BYTES_MAX} bytes`);
    let command: unknown;
    try {
      command = JSON.parse(text);
    } catch {
      command = text; // tried as the raw record it is
    }

    const config = loadConfig();
    const logger = createLogger('fabric-dry-run', config.logLevel === 'info' ? 'warn' : config.logLevel);
    const { OperatorActions, OperatorInputError, createReaderPool, dashboardSettings } = await loadDashboard();
    const settings = dashboardSettings(config);
    const pool = createReaderPool(config, settings.readerDatabaseUrl, logger);
    // A dry run never publishes: its publisher source refuses.
    const noPublishing = { publisher: () => Promise.reject(new Error('a dry run does not publish')) };
    try {
      const result = await new OperatorActions(pool, noPublishing, settings, new KeyStoreSigner(new KeyStore(config.keysDir))).dryRun(endpointId, command);
      process.stdout.write(`${JSON.stringify(result.event, null, 2)}\n`);
      const what =
        result.event.type === 'CommandRejected'
          ? `would be rejected ${result.event.data.reason}: ${result.event.data.detail}`
          : result.event.type === 'CommandDuplicated'
            ? `would be a duplicate of the command at offset ${result.event.data.firstOffset}`
            : `would be accepted: ${result.event.type} at seq ${result.event.seq}`;
      const basis = result.basis.projected
        ? `answered from seq ${result.basis.lastEventSeq} (next command offset ${result.basis.commandOffset})`
        : `endpoint '${endpointId}' has nothing projected: answered from an empty log`;
      process.stderr.write(`${what}; ${basis}; nothing was appended\n`);
      if (result.violations.length > 0) {
        process.stderr.write(`the sequencer would refuse to commit it, invariants broken: ${result.violations.map((v) => `${v.invariant}: ${v.message}`).join('; ')}\n`);
      }
      return 0;
    } catch (error) {
      if (error instanceof OperatorInputError) throw new UsageError(error.message);
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`fabric dry-run: ${message}\n`);
      return 1;
    } finally {
      await pool.end().catch(() => undefined);
    }
  },
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of process.stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    bytes += buffer.length;
    if (bytes > INPUT_BYTES_MAX) throw new UsageError(`standard input is over ${INPUT_BYTES_MAX} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
