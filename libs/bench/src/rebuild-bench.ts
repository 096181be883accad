import { Partitioners } from 'kafkajs';
import { canonicalJson, initialState } from '@plan-fabric/domain';
import { fixtureCommand } from './commands';
import { createTopics, now, rssMiB, type BenchContext } from './context';
import { fixtureSequence } from './domain-calls';
import type { RebuildRow } from './results';

export const REBUILD_ENDPOINT = 'rebuild';

export interface RebuildOptions {
  readonly sendRecords: number;
  readonly transactionRecords: number;
  /** Wall time for the whole phase; a size whose predicted cost does not fit is skipped (with the numbers why). */
  readonly budgetMs: number;
}

/**
 * Builds one valid event chain (the workload's commands decided by the real
 * sequence(), so hashes, seqs and offsets are what a sequencer writes), and
 * for each size, smallest first, writes its first `size` events to a topic of
 * their own with one transactional producer (many transactions; the log ends
 * in a commit marker, as a sequencer's does) and times the sequencer's rebuild
 * of it (readEndpointState: read committed, parse + schema, evolve,
 * invariants, hash chain). A size is skipped when the rates measured on the
 * smaller ones predict it would not fit in the budget.
 */
export async function rebuildRun(ctx: BenchContext, sizes: readonly number[], options: RebuildOptions): Promise<{ rows: RebuildRow[]; notes: string[] }> {
  const sorted = [...sizes].sort((a, b) => a - b);
  const topicOf = (size: number) => `${ctx.prefix}.events.${REBUILD_ENDPOINT}-${size}`;
  const producer = ctx.kafka.producer({
    transactionalId: `${ctx.prefix}.rebuild-writer`,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const phaseStarted = now();
  const values: string[] = [];
  let state = initialState(REBUILD_ENDPOINT);
  // Seconds per event, measured on the sizes done so far.
  let generateCost = 0;
  let writeCost = 0;
  let rebuildCost = 0;
  const rows: RebuildRow[] = [];
  const notes: string[] = [];
  try {
    for (const size of sorted) {
      const newEvents = size - values.length;
      const predicted = newEvents * generateCost + size * (writeCost + rebuildCost);
      const left = (options.budgetMs - (now() - phaseStarted)) / 1000;
      if (rows.length > 0 && predicted > left) {
        notes.push(
          `rebuild of ${size.toLocaleString('en-US')} events skipped: at the rates measured on ${rows[rows.length - 1]!.events.toLocaleString('en-US')} ` +
            `(generate ${Math.round(1 / generateCost)}/s, write ${Math.round(1 / writeCost)}/s, rebuild ${Math.round(1 / rebuildCost)}/s) it needs about ${Math.round(predicted)} s; ${Math.max(0, Math.round(left))} s of the phase's budget were left`,
        );
        ctx.logger.warn('bench: rebuild — size skipped, it would not fit in the budget', { events: size, predictedS: Math.round(predicted), leftS: Math.round(left) });
        continue;
      }
      const generateStarted = now();
      let lastReport = now();
      for (let offset = values.length; offset < size; offset++) {
        const step = fixtureSequence(state, { offset, value: fixtureCommand(REBUILD_ENDPOINT, offset).value });
        state = step.state;
        values.push(canonicalJson(step.event));
        if (now() - lastReport > 5_000) {
          lastReport = now();
          ctx.logger.info('bench: rebuild — deciding the event chain', { events: offset + 1, of: size });
        }
      }
      if (newEvents > 0) generateCost = (now() - generateStarted) / 1000 / newEvents;
      const topic = topicOf(size);
      await createTopics(ctx, [topic]);
      const writeStarted = now();
      for (let written = 0; written < size; written += options.transactionRecords) {
        const chunk = values.slice(written, Math.min(size, written + options.transactionRecords));
        const transaction = await producer.transaction();
        try {
          for (let i = 0; i < chunk.length; i += options.sendRecords) {
            await transaction.send({ topic, acks: -1, messages: chunk.slice(i, i + options.sendRecords).map((value) => ({ key: REBUILD_ENDPOINT, value })) });
          }
          await transaction.commit();
        } catch (error) {
          await transaction.abort().catch(() => undefined);
          throw error;
        }
        if (now() - lastReport > 5_000) {
          lastReport = now();
          ctx.logger.info('bench: rebuild — writing the event log', { written: written + chunk.length, of: size });
        }
      }
      writeCost = (now() - writeStarted) / 1000 / size;
      const groupId = `${ctx.prefix}.sequencer-rebuild.${REBUILD_ENDPOINT}-${size}`;
      ctx.groups.add(groupId);
      const started = now();
      const rebuilt = await ctx.apps.readEndpointState(ctx.kafka, ctx.admin, topic, REBUILD_ENDPOINT, groupId, { rebuildTimeoutMs: 900_000 }, ctx.serviceLogger);
      const seconds = (now() - started) / 1000;
      if (rebuilt.nextSeq - 1 !== size) throw new Error(`rebuild of ${size} events ended at seq ${rebuilt.nextSeq - 1}`);
      rebuildCost = seconds / size;
      rows.push({ events: size, seconds, perSecond: size / seconds, rssMiB: rssMiB() });
      ctx.logger.info('bench: rebuild — done', { events: size, seconds: Number(seconds.toFixed(2)), perSecond: Math.round(size / seconds), rssMiB: Math.round(rssMiB()) });
    }
  } finally {
    await producer.disconnect();
  }
  return { rows, notes };
}
