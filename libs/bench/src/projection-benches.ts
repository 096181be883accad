import type { EachBatchPayload } from 'kafkajs';
import { createProjectionSchema, dropProjectionSchema, migrate, ProjectionWriter } from '@plan-fabric/db';
import { now, waitFor, type BenchContext } from './context';
import type { ThroughputRow } from './results';

/** The live projection tables must exist: a bench schema copies them (LIKE fabric.* INCLUDING ALL). */
export async function ensureProjectionTables(ctx: BenchContext): Promise<void> {
  const { rows } = await ctx.pool.query<{ table: string | null }>(`SELECT to_regclass('fabric.events')::text AS table`);
  if (rows[0]?.table === null || rows[0]?.table === undefined) await migrate(ctx.pool, ctx.serviceLogger);
}

/** A fresh copy of the projection tables in a bench schema, dropped at the end of the run. */
export async function benchProjectionSchema(ctx: BenchContext, name: string): Promise<string> {
  const schema = `bench_${ctx.runId}_${name}`;
  await dropProjectionSchema(ctx.pool, schema);
  await createProjectionSchema(ctx.pool, schema);
  ctx.schemas.add(schema);
  return schema;
}

/** The real projector (apps/projector EndpointProjector + libs/db ProjectionWriter) folding an events topic into a bench schema. */
export async function projectorRun(
  ctx: BenchContext,
  options: { readonly endpointId: string; readonly topic: string; readonly events: number; readonly settings: Readonly<Record<string, number>> },
): Promise<ThroughputRow> {
  await ensureProjectionTables(ctx);
  const schema = await benchProjectionSchema(ctx, 'proj');
  const writer = new ProjectionWriter(ctx.pool, ctx.serviceLogger, { schema });
  const groupId = `${ctx.prefix}.projector-bench`;
  ctx.groups.add(groupId);
  let applied = 0;
  let batches = 0;
  let lastAt = 0;
  const projector = ctx.apps.projector(ctx.kafka, ctx.pool, writer, { endpointId: options.endpointId, topic: options.topic, groupId }, options.settings, ctx.serviceLogger, (batch) => {
    applied += batch.applied;
    batches++;
    lastAt = now();
  });
  const started = now();
  await projector.start();
  const finished = await waitFor(() => applied >= options.events, 600_000, 10);
  await projector.stop();
  if (!finished) throw new Error(`the projector applied ${applied} of ${options.events} events`);
  const seconds = (lastAt - started) / 1000;
  return {
    id: 'projector',
    group: 'projection',
    label: 'projector (EndpointProjector + ProjectionWriter), events → Postgres',
    records: applied,
    seconds,
    perSecond: applied / seconds,
    note: `${batches} batches; from start (group join included)`,
  };
}

/**
 * The baseline for the projector: the same events topic, read by a consumer
 * configured like the projector's, each fetched batch written as the same
 * event rows (fabric.events' columns) with one INSERT … SELECT FROM
 * jsonb_to_recordset and the offset, in one transaction. No fold, no schema
 * check, no other tables.
 */
export async function batchedInsertRun(
  ctx: BenchContext,
  options: { readonly topic: string; readonly events: number; readonly fetchMaxWaitMs: number },
): Promise<ThroughputRow> {
  const schema = `bench_${ctx.runId}_plain`;
  ctx.schemas.add(schema);
  await ctx.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await ctx.pool.query(`CREATE SCHEMA ${schema}`);
  await ctx.pool.query(
    `CREATE TABLE ${schema}.events (endpoint_id text NOT NULL, seq bigint NOT NULL, topic_offset bigint NOT NULL, command_offset bigint NOT NULL, command_id text, type text NOT NULL, body text NOT NULL, PRIMARY KEY (endpoint_id, seq))`,
  );
  await ctx.pool.query(`CREATE TABLE ${schema}.offsets (topic text PRIMARY KEY, next_offset bigint NOT NULL)`);
  const groupId = `${ctx.prefix}.insert-bench`;
  ctx.groups.add(groupId);
  const consumer = ctx.kafka.consumer({ groupId, readUncommitted: false, allowAutoTopicCreation: false, sessionTimeout: 30_000, heartbeatInterval: 6_000, maxWaitTimeInMs: options.fetchMaxWaitMs });
  let inserted = 0;
  let batches = 0;
  let lastAt = 0;
  let failure: unknown = null;
  const started = now();
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset }: EachBatchPayload) => {
      if (batch.messages.length === 0) return;
      try {
        const rows = batch.messages.map((message) => {
          const body = message.value!.toString('utf8');
          const event = JSON.parse(body) as { endpointId: string; seq: number; commandOffset: number; commandId: string | null; type: string };
          return { endpoint_id: event.endpointId, seq: event.seq, topic_offset: Number(message.offset), command_offset: event.commandOffset, command_id: event.commandId, type: event.type, body };
        });
        const last = batch.messages[batch.messages.length - 1]!.offset;
        const client = await ctx.pool.connect();
        try {
          await client.query('BEGIN');
          await client.query(
            `INSERT INTO ${schema}.events (endpoint_id, seq, topic_offset, command_offset, command_id, type, body)
             SELECT endpoint_id, seq, topic_offset, command_offset, command_id, type, body
             FROM jsonb_to_recordset($1::jsonb) AS r(endpoint_id text, seq bigint, topic_offset bigint, command_offset bigint, command_id text, type text, body text)`,
            [JSON.stringify(rows)],
          );
          await client.query(`INSERT INTO ${schema}.offsets (topic, next_offset) VALUES ($1, $2) ON CONFLICT (topic) DO UPDATE SET next_offset = EXCLUDED.next_offset`, [
            options.topic,
            Number(last) + 1,
          ]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        } finally {
          client.release();
        }
        resolveOffset(last);
        inserted += rows.length;
        batches++;
        lastAt = now();
      } catch (error) {
        failure = error;
      }
    },
  });
  const finished = await waitFor(() => inserted >= options.events || failure !== null, 600_000, 10);
  await consumer.disconnect();
  if (failure !== null) throw failure;
  if (!finished) throw new Error(`the batched insert wrote ${inserted} of ${options.events} rows`);
  const seconds = (lastAt - started) / 1000;
  return {
    id: 'batched-insert',
    group: 'projection',
    label: 'plain batched INSERT of the same event rows',
    records: inserted,
    seconds,
    perSecond: inserted / seconds,
    note: `${batches} batches; from start (group join included)`,
  };
}
