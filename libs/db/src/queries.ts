import type { Pool } from 'pg';
import { deletedGenerations, validGenerations, type EndpointState, type Outcome, type PlanRecord } from '@plan-fabric/domain';
import { compareText, type PlanStatus, type ProjectionRows } from './projection';
import { assertSchemaName, PROJECTION_SCHEMA } from './projection-schema';

/** pg hands bigint and numeric columns back as strings; every reader converts here. */
function num(value: string | number): number;
function num(value: string | number | null): number | null;
function num(value: string | number | null): number | null {
  return value === null ? null : Number(value);
}

export interface OutcomeRow {
  readonly outcome: Outcome;
  readonly reason: string | null;
  readonly detail: string | null;
  readonly commandId: string | null;
  /** Seq of the event that carries the outcome. */
  readonly seq: number;
}

/** The projected outcome of the command record at `commandOffset` of the endpoint's command topic; null until projected. */
export async function outcomeAt(pool: Pool, endpointId: string, commandOffset: number): Promise<OutcomeRow | null> {
  const { rows } = await pool.query<{ outcome: Outcome; reason: string | null; detail: string | null; command_id: string | null; seq: string }>(
    `SELECT outcome, reason, detail, command_id, seq FROM fabric.decisions WHERE endpoint_id = $1 AND command_offset = $2`,
    [endpointId, commandOffset],
  );
  const row = rows[0];
  if (row === undefined) return null;
  return { outcome: row.outcome, reason: row.reason, detail: row.detail, commandId: row.command_id, seq: num(row.seq) };
}

export interface EndpointView {
  readonly activeGeneration: number | null;
  /** The fencing token of the active decision. */
  readonly activation: number | null;
  /** Ascending. */
  readonly validGenerations: number[];
  /** Ascending. */
  readonly deletedGenerations: number[];
  /** Enactor id -> its confirmed generation (null: none since registration or the last operator activation). */
  readonly confirmed: Record<string, number | null>;
  readonly lastEventSeq: number;
}

/** What the projection says about an endpoint (one statement, so one snapshot); null if it has no events projected. */
export async function endpointView(pool: Pool, endpointId: string): Promise<EndpointView | null> {
  const { rows } = await pool.query<{
    active_generation: string | null;
    activation: string | null;
    last_event_seq: string;
    valid: number[];
    deleted: number[];
    confirmed: Record<string, number | null>;
  }>(
    `SELECT e.active_generation, e.activation, e.last_event_seq,
       COALESCE((SELECT json_agg(p.generation ORDER BY p.generation) FROM fabric.plans p
                 WHERE p.endpoint_id = e.endpoint_id AND p.status IN ('active', 'fallback')), '[]') AS valid,
       COALESCE((SELECT json_agg(p.generation ORDER BY p.generation) FROM fabric.plans p
                 WHERE p.endpoint_id = e.endpoint_id AND p.status = 'deleted'), '[]') AS deleted,
       COALESCE((SELECT json_object_agg(g.enactor_id, g.confirmed_generation) FROM fabric.enactor_progress g
                 WHERE g.endpoint_id = e.endpoint_id), '{}') AS confirmed
     FROM fabric.endpoints e WHERE e.endpoint_id = $1`,
    [endpointId],
  );
  const row = rows[0];
  if (row === undefined) return null;
  return {
    activeGeneration: num(row.active_generation),
    activation: num(row.activation),
    validGenerations: row.valid,
    deletedGenerations: row.deleted,
    confirmed: sortedKeys(row.confirmed),
    lastEventSeq: num(row.last_event_seq),
  };
}

/** The same view computed from the domain's fold: invariant 7 says endpointView(pool, id) equals endpointViewOf(fold of the log). */
export function endpointViewOf(state: EndpointState): EndpointView {
  return {
    activeGeneration: state.active?.generation ?? null,
    activation: state.active?.activation ?? null,
    validGenerations: validGenerations(state),
    deletedGenerations: deletedGenerations(state),
    confirmed: sortedKeys(Object.fromEntries(state.confirmed)),
    lastEventSeq: state.nextSeq - 1,
  };
}

/** Next offset the projector will fold of an events topic partition; null if it never stored one. */
export async function projectedOffset(pool: Pool, topic: string, partition = 0): Promise<number | null> {
  const { rows } = await pool.query<{ next_offset: string }>(
    'SELECT next_offset FROM fabric.projector_offsets WHERE topic = $1 AND partition = $2',
    [topic, partition],
  );
  return rows[0] === undefined ? null : num(rows[0].next_offset);
}

function sortedKeys<V>(record: Record<string, V>): Record<string, V> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compareText(a, b)));
}

type Int = string | number;

/**
 * Every stored row of one endpoint, shaped like foldRows' output so the two
 * can be compared (invariant 7); null if nothing of it is projected. Reads
 * in one REPEATABLE READ snapshot, from the live tables or from a rebuild's
 * schema.
 */
export async function projectionRows(pool: Pool, endpointId: string, schema: string = PROJECTION_SCHEMA): Promise<ProjectionRows | null> {
  assertSchemaName(schema);
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const args = [endpointId];
    const endpoints = await client.query<{
      enactors: string[];
      quorum: number | null;
      min_valid_plans: number | null;
      max_capacity_drop_percent: string | null;
      registered: boolean;
      active_generation: Int | null;
      activation: Int | null;
      valid_plan_count: number;
      last_event_seq: Int;
    }>(`SELECT * FROM ${schema}.endpoints WHERE endpoint_id = $1`, args);
    const plans = await client.query<{
      generation: Int;
      records: PlanRecord[];
      ttl: number;
      total_weight: Int;
      status: PlanStatus;
      proposed_seq: Int;
      activated_seq: Int | null;
      deleted_seq: Int | null;
    }>(`SELECT * FROM ${schema}.plans WHERE endpoint_id = $1 ORDER BY generation`, args);
    const progress = await client.query<{ enactor_id: string; confirmed_generation: Int | null; lag: Int | null; last_event_seq: Int }>(
      `SELECT * FROM ${schema}.enactor_progress WHERE endpoint_id = $1`,
      args,
    );
    const decisions = await client.query<{
      command_offset: Int;
      seq: Int;
      command_id: string | null;
      command_type: string | null;
      actor_role: string | null;
      actor_id: string | null;
      outcome: Outcome;
      reason: string | null;
      detail: string | null;
    }>(`SELECT * FROM ${schema}.decisions WHERE endpoint_id = $1 ORDER BY command_offset`, args);
    const events = await client.query<{ seq: Int; topic_offset: Int; command_offset: Int; command_id: string | null; type: string; body: string }>(
      `SELECT * FROM ${schema}.events WHERE endpoint_id = $1 ORDER BY seq`,
      args,
    );
    await client.query('COMMIT');
    const endpoint = endpoints.rows[0];
    if (endpoint === undefined) return null;
    return {
      endpoint: {
        endpointId,
        enactors: endpoint.enactors,
        quorum: endpoint.quorum,
        minValidPlans: endpoint.min_valid_plans,
        maxCapacityDropPercent: num(endpoint.max_capacity_drop_percent),
        registered: endpoint.registered,
        activeGeneration: num(endpoint.active_generation),
        activation: num(endpoint.activation),
        validPlanCount: endpoint.valid_plan_count,
        lastEventSeq: num(endpoint.last_event_seq),
      },
      plans: plans.rows.map((row) => ({
        endpointId,
        generation: num(row.generation),
        records: row.records,
        ttl: row.ttl,
        totalWeight: num(row.total_weight),
        status: row.status,
        proposedSeq: num(row.proposed_seq),
        activatedSeq: num(row.activated_seq),
        deletedSeq: num(row.deleted_seq),
      })),
      progress: progress.rows
        .map((row) => ({
          endpointId,
          enactorId: row.enactor_id,
          confirmedGeneration: num(row.confirmed_generation),
          lag: num(row.lag),
          lastEventSeq: num(row.last_event_seq),
        }))
        .sort((a, b) => compareText(a.enactorId, b.enactorId)),
      decisions: decisions.rows.map((row) => ({
        endpointId,
        commandOffset: num(row.command_offset),
        seq: num(row.seq),
        commandId: row.command_id,
        commandType: row.command_type,
        actorRole: row.actor_role,
        actorId: row.actor_id,
        outcome: row.outcome,
        reason: row.reason,
        detail: row.detail,
      })),
      events: events.rows.map((row) => ({
        endpointId,
        seq: num(row.seq),
        topicOffset: num(row.topic_offset),
        commandOffset: num(row.command_offset),
        commandId: row.command_id,
        type: row.type,
        body: row.body,
      })),
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
