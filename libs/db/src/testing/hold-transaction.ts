/**
 * Test helper run as a child process: applies a batch of event records and
 * stops right before COMMIT, holding the transaction (and the partition's
 * offset row lock) open until it is killed — a projector dying mid-batch.
 * Usage: node --import tsx hold-transaction.ts <topic> <records.json>
 */
import { readFileSync } from 'node:fs';
import { createLogger, loadConfig } from '@plan-fabric/config';
import { createPool } from '../pool';
import { ProjectionWriter, type EventRecord } from '../projection-writer';

async function main(): Promise<void> {
  const [topic, file] = process.argv.slice(2);
  if (topic === undefined || file === undefined) throw new Error('usage: hold-transaction.ts <topic> <records.json>');
  const records = JSON.parse(readFileSync(file, 'utf8')) as EventRecord[];
  const config = loadConfig();
  const logger = createLogger('hold-transaction', 'warn');
  const writer = new ProjectionWriter(createPool(config, logger), logger, {
    beforeCommit: async ({ nextOffset }) => {
      process.stdout.write(`holding ${nextOffset}\n`);
      await new Promise(() => undefined);
    },
  });
  await writer.applyBatch(topic, 0, records);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
