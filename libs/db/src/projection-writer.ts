import type { Pool, PoolClient } from 'pg';
import type { Logger } from '@plan-fabric/config';
import { parseEvent } from '@plan-fabric/domain';
import { withTransaction } from './pool';
import { assertSchemaName, PROJECTION_SCHEMA } from './projection-schema';
import {
  emptyProjection,
  projectEvent,
  type DecisionRow,
  type EndpointRow,
  type EventRow,
  type PlanRow,
  type ProgressRow,
  type Projection,
} from './projection';

/** One record of an events topic partition. */
export interface EventRecord {
  readonly offset: number;
  readonly value: string | null;
}

export interface BatchResult {
  /** Records folded into the tables by this call. */
  readonly applied: number;
  /** Records below the stored next offset: projected before (redelivery), left alone. */
  readonly skipped: number;
  /** The partition's stored next offset after the commit. */
  readonly nextOffset: number;
  /** Last event seq of each endpoint this batch advanced. */
  readonly endpoints: ReadonlyArray<{ readonly endpointId: string; readonly lastEventSeq: number }>;
}

export interface ProjectionWriterOptions {
  /** The endpoint whose events a topic holds (null: unknown); an event of another endpoint on it is refused. */
  readonly endpointOfTopic?: (topic: string) => string | null;
  /** Schema of the tables (default fabric): an audit rebuilds the projection into a fresh one and compares. */
  readonly schema?: string;
  /** Test hook: runs inside the transaction after every row is written, right before COMMIT. */
  readonly beforeCommit?: (batch: { readonly topic: string; readonly partition: number; readonly nextOffset: number }) => Promise<void>;
}

/**
 * Folds events topic records into fabric.* — each batch in ONE transaction
 * that also moves the partition's next_offset, so an event lands exactly
 * once however often Kafka redelivers it, and a crash before COMMIT leaves
 * nothing behind. Keeps each endpoint's fold in memory between batches, and
 * trusts it only while fabric.endpoints agrees about the last seq.
 */
export class ProjectionWriter {
  private readonly cache = new Map<string, Projection>();
  private readonly schema: string;

  constructor(
    private readonly pool: Pool,
    private readonly logger: Logger,
    private readonly options: ProjectionWriterOptions = {},
  ) {
    this.schema = assertSchemaName(options.schema ?? PROJECTION_SCHEMA);
  }

  async applyBatch(topic: string, partition: number, records: readonly EventRecord[]): Promise<BatchResult> {
    const working = new Map<string, Projection>();
    const touched = new Set<string>();
    try {
      const result = await withTransaction(this.pool, (client) =>
        this.applyInTransaction(client, topic, partition, records, working, touched),
      );
      // Only now: a fold cached before COMMIT could run ahead of the tables.
      for (const [endpointId, projection] of working) this.cache.set(endpointId, projection);
      return result;
    } catch (error) {
      // The tables are as before the batch; drop our folds of what it touched, they reload from fabric.events.
      for (const endpointId of touched) this.cache.delete(endpointId);
      throw error;
    }
  }

  /** Forgets every cached fold (they are reloaded from fabric.events on next use). */
  clearCache(): void {
    this.cache.clear();
  }

  private async applyInTransaction(
    client: PoolClient,
    topic: string,
    partition: number,
    records: readonly EventRecord[],
    working: Map<string, Projection>,
    touched: Set<string>,
  ): Promise<BatchResult> {
    // The row lock makes two projectors of one partition take turns; the second sees the first's offset.
    await client.query(
      `INSERT INTO ${this.schema}.projector_offsets (topic, partition, next_offset) VALUES ($1, $2, 0) ON CONFLICT (topic, partition) DO NOTHING`,
      [topic, partition],
    );
    const locked = await client.query<{ next_offset: string }>(
      `SELECT next_offset FROM ${this.schema}.projector_offsets WHERE topic = $1 AND partition = $2 FOR UPDATE`,
      [topic, partition],
    );
    const storedNext = Number(locked.rows[0]?.next_offset ?? 0);
    const topicEndpoint = this.options.endpointOfTopic?.(topic) ?? null;
    const rows = new BatchRows();
    let nextOffset = storedNext;
    let applied = 0;
    let skipped = 0;
    let previousOffset = -1;
    for (const record of records) {
      const where = `${topic}[${partition}] offset ${record.offset}`;
      if (record.offset <= previousOffset) throw new Error(`records of ${topic}[${partition}] out of offset order at ${record.offset}`);
      previousOffset = record.offset;
      if (record.offset < nextOffset) {
        skipped++;
        continue;
      }
      if (record.value === null) throw new Error(`event record ${where} has no value; the events log holds only sequencer events`);
      let event;
      try {
        event = parseEvent(record.value);
      } catch (error) {
        throw new Error(`event record ${where}: ${(error as Error).message}`, { cause: error });
      }
      if (topicEndpoint !== null && event.endpointId !== topicEndpoint) {
        throw new Error(`event record ${where} is for endpoint '${event.endpointId}', not '${topicEndpoint}' whose log this is`);
      }
      touched.add(event.endpointId);
      const projection = working.get(event.endpointId) ?? (await this.projectionFor(client, event.endpointId));
      const step = projectEvent(projection, event, { body: record.value, topicOffset: record.offset, where });
      working.set(event.endpointId, step.projection);
      rows.add(step.event, step.decision, step.endpoint, step.plans, step.progress);
      nextOffset = record.offset + 1;
      applied++;
    }
    if (applied > 0) {
      await rows.write(client, this.schema);
      await client.query(`UPDATE ${this.schema}.projector_offsets SET next_offset = $3 WHERE topic = $1 AND partition = $2`, [
        topic,
        partition,
        nextOffset,
      ]);
    }
    await this.options.beforeCommit?.({ topic, partition, nextOffset });
    return {
      applied,
      skipped,
      nextOffset,
      endpoints: [...working.values()].map((projection) => ({
        endpointId: projection.state.endpointId,
        lastEventSeq: projection.state.nextSeq - 1,
      })),
    };
  }

  /** The endpoint's fold: the cached one if the tables still end where it ends, else refolded from fabric.events. */
  private async projectionFor(client: PoolClient, endpointId: string): Promise<Projection> {
    const { rows } = await client.query<{ last_event_seq: string }>(
      `SELECT last_event_seq FROM ${this.schema}.endpoints WHERE endpoint_id = $1`,
      [endpointId],
    );
    const storedSeq = Number(rows[0]?.last_event_seq ?? 0);
    const cached = this.cache.get(endpointId);
    if (cached !== undefined && cached.state.nextSeq - 1 === storedSeq) return cached;
    if (cached !== undefined) {
      this.logger.info('projection of endpoint moved on elsewhere; refolding it from fabric.events', {
        endpointId,
        cachedSeq: cached.state.nextSeq - 1,
        storedSeq,
      });
    }
    const events = await client.query<{ seq: string; topic_offset: string; body: string }>(
      `SELECT seq, topic_offset, body FROM ${this.schema}.events WHERE endpoint_id = $1 ORDER BY seq`,
      [endpointId],
    );
    let projection = emptyProjection(endpointId);
    for (const row of events.rows) {
      const where = `seq ${row.seq} of ${this.schema}.events`;
      projection = projectEvent(projection, parseEvent(row.body), { body: row.body, topicOffset: Number(row.topic_offset), where }).projection;
    }
    if (projection.state.nextSeq - 1 !== storedSeq) {
      throw new Error(
        `endpoint '${endpointId}': ${this.schema}.events ends at seq ${projection.state.nextSeq - 1} but ${this.schema}.endpoints says ${storedSeq}; ` +
          'the projection tables were changed outside the projector — rebuild them from the events topic',
      );
    }
    return projection;
  }
}

/** The rows of one batch, last write per key wins, stored with one statement per table. */
class BatchRows {
  private readonly events: EventRow[] = [];
  private readonly decisions: DecisionRow[] = [];
  private readonly endpoints = new Map<string, EndpointRow>();
  private readonly plans = new Map<string, PlanRow>();
  private readonly progress = new Map<string, ProgressRow>();

  add(event: EventRow, decision: DecisionRow, endpoint: EndpointRow, plans: readonly PlanRow[], progress: readonly ProgressRow[]): void {
    this.events.push(event);
    this.decisions.push(decision);
    this.endpoints.set(endpoint.endpointId, endpoint);
    for (const plan of plans) this.plans.set(`${plan.endpointId}\n${plan.generation}`, plan);
    for (const row of progress) this.progress.set(`${row.endpointId}\n${row.enactorId}`, row);
  }

  // jsonb_to_recordset: a whole batch per statement with one parameter. Upserts, so a repeated
  // write leaves the same row; exactly-once itself comes from the offset guard.
  async write(client: PoolClient, schema: string): Promise<void> {
    await upsert(
      client,
      `${schema}.events`,
      ['endpoint_id text', 'seq bigint', 'topic_offset bigint', 'command_offset bigint', 'command_id text', 'type text', 'body text'],
      ['endpoint_id', 'seq'],
      this.events.map((row) => ({
        endpoint_id: row.endpointId,
        seq: row.seq,
        topic_offset: row.topicOffset,
        command_offset: row.commandOffset,
        command_id: row.commandId,
        type: row.type,
        body: row.body,
      })),
    );
    await upsert(
      client,
      `${schema}.decisions`,
      [
        'endpoint_id text',
        'command_offset bigint',
        'seq bigint',
        'command_id text',
        'command_type text',
        'actor_role text',
        'actor_id text',
        'outcome text',
        'reason text',
        'detail text',
      ],
      ['endpoint_id', 'command_offset'],
      this.decisions.map((row) => ({
        endpoint_id: row.endpointId,
        command_offset: row.commandOffset,
        seq: row.seq,
        command_id: row.commandId,
        command_type: row.commandType,
        actor_role: row.actorRole,
        actor_id: row.actorId,
        outcome: row.outcome,
        reason: row.reason,
        detail: row.detail,
      })),
    );
    await upsert(
      client,
      `${schema}.endpoints`,
      [
        'endpoint_id text',
        'enactors jsonb',
        'quorum integer',
        'min_valid_plans integer',
        'max_capacity_drop_percent numeric',
        'registered boolean',
        'active_generation bigint',
        'activation bigint',
        'valid_plan_count integer',
        'last_event_seq bigint',
      ],
      ['endpoint_id'],
      [...this.endpoints.values()].map((row) => ({
        endpoint_id: row.endpointId,
        enactors: row.enactors,
        quorum: row.quorum,
        min_valid_plans: row.minValidPlans,
        max_capacity_drop_percent: row.maxCapacityDropPercent,
        registered: row.registered,
        active_generation: row.activeGeneration,
        activation: row.activation,
        valid_plan_count: row.validPlanCount,
        last_event_seq: row.lastEventSeq,
      })),
      { updated_at: 'now()' },
    );
    await upsert(
      client,
      `${schema}.plans`,
      [
        'endpoint_id text',
        'generation bigint',
        'records jsonb',
        'ttl integer',
        'total_weight bigint',
        'status text',
        'proposed_seq bigint',
        'activated_seq bigint',
        'deleted_seq bigint',
      ],
      ['endpoint_id', 'generation'],
      [...this.plans.values()].map((row) => ({
        endpoint_id: row.endpointId,
        generation: row.generation,
        records: row.records,
        ttl: row.ttl,
        total_weight: row.totalWeight,
        status: row.status,
        proposed_seq: row.proposedSeq,
        activated_seq: row.activatedSeq,
        deleted_seq: row.deletedSeq,
      })),
    );
    await upsert(
      client,
      `${schema}.enactor_progress`,
      ['endpoint_id text', 'enactor_id text', 'confirmed_generation bigint', 'lag bigint', 'last_event_seq bigint'],
      ['endpoint_id', 'enactor_id'],
      [...this.progress.values()].map((row) => ({
        endpoint_id: row.endpointId,
        enactor_id: row.enactorId,
        confirmed_generation: row.confirmedGeneration,
        lag: row.lag,
        last_event_seq: row.lastEventSeq,
      })),
    );
  }
}

/** INSERT … ON CONFLICT DO UPDATE of many rows. Table and column names are constants of this file (the schema a checked name), never input. */
async function upsert(
  client: PoolClient,
  table: string,
  columns: readonly string[],
  key: readonly string[],
  rows: readonly Record<string, unknown>[],
  extra: Readonly<Record<string, string>> = {},
): Promise<void> {
  if (rows.length === 0) return;
  const names = columns.map((column) => column.split(' ')[0] as string);
  const extraNames = Object.keys(extra);
  const updates = [
    ...names.filter((name) => !key.includes(name)).map((name) => `${name} = EXCLUDED.${name}`),
    ...extraNames.map((name) => `${name} = ${extra[name]}`),
  ];
  await client.query(
    `INSERT INTO ${table} (${[...names, ...extraNames].join(', ')})
     SELECT ${[...names, ...extraNames.map((name) => extra[name])].join(', ')}
     FROM jsonb_to_recordset($1::jsonb) AS r(${columns.join(', ')})
     ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${updates.join(', ')}`,
    [JSON.stringify(rows)],
  );
}
