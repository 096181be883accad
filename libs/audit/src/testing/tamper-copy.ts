/**
 * Makes a tampered COPY of an endpoint's logs under another topic prefix, to
 * watch `fabric audit` catch it (README, "Audit"). The original topics are
 * only read.
 *
 *   npx tsx libs/audit/src/testing/tamper-copy.ts --endpoint E --to-prefix P <one tamper>
 *     --edit-event SEQ --replace TEXT --with TEXT     edit an event's bytes
 *     --swap-events SEQ,SEQ                           reorder two events
 *     --remove-event SEQ                              remove an event
 *     --edit-command OFFSET --replace TEXT --with TEXT edit a command record
 *
 * Then: FABRIC_TOPIC_PREFIX=P npm run fabric -- audit --endpoint E --no-projection
 */
import { parseArgs } from 'node:util';
import { createLogger, loadConfig } from '@plan-fabric/config';
import { createKafka } from '@plan-fabric/kafka';
import type { LogRecord } from '../checks';
import { copyEndpointLogs, type LogTamper } from './copy-logs';
import { removeRecord, replaceIn, swapRecords } from './tamper';

function tamperOf(values: Record<string, string | undefined>): LogTamper {
  const index = (name: string, text: string | undefined, base: number) => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < base) throw new Error(`--${name} needs a number ≥ ${base} (got ${text})`);
    return value - base;
  };
  const replacement = () => {
    const from = values['replace'];
    const to = values['with'];
    if (from === undefined || to === undefined) throw new Error('an edit needs --replace TEXT --with TEXT');
    return [from, to] as const;
  };
  const chosen = ['edit-event', 'swap-events', 'remove-event', 'edit-command'].filter((name) => values[name] !== undefined);
  if (chosen.length !== 1) throw new Error('choose one tamper: --edit-event, --swap-events, --remove-event or --edit-command');
  switch (chosen[0]) {
    case 'edit-event': {
      const [from, to] = replacement();
      const at = index('edit-event', values['edit-event'], 1);
      return { events: (records: readonly LogRecord[]) => replaceIn(records, at, from, to) };
    }
    case 'swap-events': {
      const [a, b] = (values['swap-events'] ?? '').split(',');
      const i = index('swap-events', a, 1);
      const j = index('swap-events', b, 1);
      return { events: (records: readonly LogRecord[]) => swapRecords(records, i, j) };
    }
    case 'remove-event': {
      const at = index('remove-event', values['remove-event'], 1);
      return { events: (records: readonly LogRecord[]) => removeRecord(records, at) };
    }
    default: {
      const [from, to] = replacement();
      const at = index('edit-command', values['edit-command'], 0);
      return {
        commands: (records: readonly LogRecord[]) => {
          const position = records.findIndex((record) => record.offset === at);
          if (position < 0) throw new Error(`the command log has no record at offset ${at}`);
          return replaceIn(records, position, from, to);
        },
      };
    }
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      endpoint: { type: 'string' },
      'to-prefix': { type: 'string' },
      'edit-event': { type: 'string' },
      'swap-events': { type: 'string' },
      'remove-event': { type: 'string' },
      'edit-command': { type: 'string' },
      replace: { type: 'string' },
      with: { type: 'string' },
    },
  });
  const endpointId = values.endpoint;
  const toPrefix = values['to-prefix'];
  if (endpointId === undefined || toPrefix === undefined) throw new Error('usage: see the top of libs/audit/src/testing/tamper-copy.ts');
  const config = loadConfig();
  if (toPrefix === config.topicPrefix) throw new Error(`--to-prefix must differ from FABRIC_TOPIC_PREFIX (${config.topicPrefix}): the original is never written`);
  const tamper = tamperOf(values);
  const logger = createLogger('tamper-copy', 'warn');
  const kafka = createKafka(config, 'tamper-copy', logger, 'admin');
  const admin = kafka.admin();
  await admin.connect();
  try {
    await copyEndpointLogs(kafka, admin, config, endpointId, toPrefix, tamper);
  } finally {
    await admin.disconnect();
  }
  process.stdout.write(`copied ${config.topicPrefix}.*.${endpointId} to ${toPrefix}.*.${endpointId}, tampered\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`tamper-copy: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
