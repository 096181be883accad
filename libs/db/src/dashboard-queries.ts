import type { Pool, PoolClient } from 'pg';
import { parseEvent, type Actor, type Outcome, type PlanRecord } from '@plan-fabric/domain';
import type { PlanStatus } from './projection';

/**
 * Read queries of the operator dashboard: only SELECTs, so they run under the
 * read-only role fabric_reader (migration 003). Every list has a limit, named
 * with its unit last; a caller asking for more gets the limit.
 */
export const DASHBOARD_QUERY_LIMITS = {
  /** Endpoint rows read for the list (the list is filtered by FABRIC_ENDPOINTS after reading). */
  endpointsMax: 10_000,
  /** Newest plans of one endpoint shown on its timeline. */
  timelinePlansMax: 60,
  /** Newest activations of one endpoint shown on its timeline. */
  timelineActivationsMax: 200,
  /** Newest decisions of one endpoint in its detail. */
  recentDecisionsMax: 50,
  /** Rejections returned by one query. */
  rejectionsMax: 500,
  /** Events folded for one dry run: an endpoint with a longer log needs a snapshot-based fold first. */
  dryRunEventsMax: 200_000,
} as const;

type Int = string | number;

/** pg hands bigint and numeric columns back as strings. */
function num(value: Int): number;
function num(value: Int | null): number | null;
function num(value: Int | null): number | null {
  return value === null ? null : Number(value);
}

function clamp(limit: number | undefined, max: number): number {
  if (limit === undefined || !Number.isSafeInteger(limit) || limit < 1) return max;
  return Math.min(limit, max);
}

/** Runs `fn` in one REPEATABLE READ READ ONLY transaction: every statement sees the same snapshot. */
async function inSnapshot<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export interface EndpointSummary {
  readonly endpointId: string;
  readonly registered: boolean;
  readonly enactors: readonly string[];
  readonly quorum: number | null;
  readonly minValidPlans: number | null;
  readonly activeGeneration: number | null;
  /** The fencing token of the active decision. */
  readonly activation: number | null;
  readonly validPlanCount: number;
  readonly lastEventSeq: number;
  /** When the projector last changed the endpoint row (ISO 8601). */
  readonly updatedAt: string;
  /** Enactors whose last confirmation is the active generation. */
  readonly confirmedActive: number;
  /** Largest lag of an enactor that confirmed something; null if none did. */
  readonly maxLag: number | null;
  readonly rejectedCount: number;
}

/** Every projected endpoint, most recently changed first; `accept` filters ids (FABRIC_ENDPOINTS) before `limit` applies. */
export async function listEndpoints(
  pool: Pool,
  options: { readonly accept?: (endpointId: string) => boolean; readonly limit?: number } = {},
): Promise<EndpointSummary[]> {
  const { rows } = await pool.query<{
    endpoint_id: string;
    registered: boolean;
    enactors: string[];
    quorum: number | null;
    min_valid_plans: number | null;
    active_generation: Int | null;
    activation: Int | null;
    valid_plan_count: number;
    last_event_seq: Int;
    updated_at: Date;
    confirmed_active: Int;
    max_lag: Int | null;
    rejected_count: Int;
  }>(
    `SELECT e.endpoint_id, e.registered, e.enactors, e.quorum, e.min_valid_plans, e.active_generation, e.activation,
            e.valid_plan_count, e.last_event_seq, e.updated_at,
            (SELECT count(*) FROM fabric.enactor_progress g
              WHERE g.endpoint_id = e.endpoint_id AND g.confirmed_generation = e.active_generation) AS confirmed_active,
            (SELECT max(g.lag) FROM fabric.enactor_progress g WHERE g.endpoint_id = e.endpoint_id) AS max_lag,
            (SELECT count(*) FROM fabric.decisions d
              WHERE d.endpoint_id = e.endpoint_id AND d.outcome = 'rejected') AS rejected_count
       FROM fabric.endpoints e
      ORDER BY e.updated_at DESC, e.endpoint_id
      LIMIT $1`,
    [DASHBOARD_QUERY_LIMITS.endpointsMax],
  );
  const accept = options.accept ?? (() => true);
  return rows
    .filter((row) => accept(row.endpoint_id))
    .slice(0, clamp(options.limit, DASHBOARD_QUERY_LIMITS.endpointsMax))
    .map((row) => ({
      endpointId: row.endpoint_id,
      registered: row.registered,
      enactors: row.enactors,
      quorum: row.quorum,
      minValidPlans: row.min_valid_plans,
      activeGeneration: num(row.active_generation),
      activation: num(row.activation),
      validPlanCount: row.valid_plan_count,
      lastEventSeq: num(row.last_event_seq),
      updatedAt: row.updated_at.toISOString(),
      confirmedActive: num(row.confirmed_active),
      maxLag: num(row.max_lag),
      rejectedCount: num(row.rejected_count),
    }));
}

/** endpoint id -> last projected event seq, for change detection (one cheap statement). */
export async function endpointSeqs(pool: Pool): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ endpoint_id: string; last_event_seq: Int }>(
    'SELECT endpoint_id, last_event_seq FROM fabric.endpoints ORDER BY endpoint_id LIMIT $1',
    [DASHBOARD_QUERY_LIMITS.endpointsMax],
  );
  return new Map(rows.map((row) => [row.endpoint_id, num(row.last_event_seq)]));
}

export interface PlanSummary {
  readonly generation: number;
  readonly status: PlanStatus;
  readonly records: readonly PlanRecord[];
  readonly ttl: number;
  readonly totalWeight: number;
  readonly proposedSeq: number;
  /** Seq of the latest activation of this generation. */
  readonly activatedSeq: number | null;
  readonly deletedSeq: number | null;
}

export interface ActivationSummary {
  readonly seq: number;
  readonly commandOffset: number;
  readonly generation: number;
  readonly activation: number;
  readonly previousGeneration: number | null;
  readonly by: Actor;
  /** The operator's reason; null for an enactor's activation. */
  readonly reason: string | null;
}

export interface EnactorSummary {
  readonly enactorId: string;
  /** Null: confirmed nothing since registration or the last operator activation. */
  readonly confirmedGeneration: number | null;
  /** Active generation minus confirmed generation; null while it confirmed nothing. */
  readonly lag: number | null;
  /** Seq of the last event that changed this enactor's progress. */
  readonly lastEventSeq: number;
}

export interface DecisionSummary {
  readonly endpointId: string;
  readonly commandOffset: number;
  readonly seq: number;
  readonly commandId: string | null;
  readonly commandType: string | null;
  readonly actor: Actor | null;
  readonly outcome: Outcome;
  readonly reason: string | null;
  readonly detail: string | null;
}

export interface ReasonCount {
  readonly reason: string;
  readonly count: number;
}

export interface EndpointDetailRows {
  readonly endpoint: EndpointSummary;
  readonly maxCapacityDropPercent: number | null;
  /** The newest `timelinePlansMax` plans, ascending by generation. */
  readonly plans: readonly PlanSummary[];
  readonly planCount: number;
  /** The newest `timelineActivationsMax` activations, ascending by seq. */
  readonly activations: readonly ActivationSummary[];
  readonly enactors: readonly EnactorSummary[];
  /** Newest first. */
  readonly recentDecisions: readonly DecisionSummary[];
  readonly rejectionsByReason: readonly ReasonCount[];
}

type DecisionDbRow = {
  endpoint_id: string;
  command_offset: Int;
  seq: Int;
  command_id: string | null;
  command_type: string | null;
  actor_role: string | null;
  actor_id: string | null;
  outcome: Outcome;
  reason: string | null;
  detail: string | null;
};

function decisionOf(row: DecisionDbRow): DecisionSummary {
  return {
    endpointId: row.endpoint_id,
    commandOffset: num(row.command_offset),
    seq: num(row.seq),
    commandId: row.command_id,
    commandType: row.command_type,
    actor: row.actor_role !== null && row.actor_id !== null ? ({ role: row.actor_role, id: row.actor_id } as Actor) : null,
    outcome: row.outcome,
    reason: row.reason,
    detail: row.detail,
  };
}

/** Everything the dashboard shows of one endpoint, read in one snapshot; null if nothing of it is projected. */
export async function endpointDetailRows(pool: Pool, endpointId: string): Promise<EndpointDetailRows | null> {
  return inSnapshot(pool, async (client) => {
    const args = [endpointId];
    const endpoints = await client.query<{
      registered: boolean;
      enactors: string[];
      quorum: number | null;
      min_valid_plans: number | null;
      max_capacity_drop_percent: Int | null;
      active_generation: Int | null;
      activation: Int | null;
      valid_plan_count: number;
      last_event_seq: Int;
      updated_at: Date;
    }>('SELECT * FROM fabric.endpoints WHERE endpoint_id = $1', args);
    const endpoint = endpoints.rows[0];
    if (endpoint === undefined) return null;
    const plans = await client.query<{
      generation: Int;
      status: PlanStatus;
      records: PlanRecord[];
      ttl: number;
      total_weight: Int;
      proposed_seq: Int;
      activated_seq: Int | null;
      deleted_seq: Int | null;
    }>(
      `SELECT generation, status, records, ttl, total_weight, proposed_seq, activated_seq, deleted_seq
         FROM fabric.plans WHERE endpoint_id = $1 ORDER BY generation DESC LIMIT $2`,
      [endpointId, DASHBOARD_QUERY_LIMITS.timelinePlansMax],
    );
    const planCount = await client.query<{ n: Int }>('SELECT count(*) AS n FROM fabric.plans WHERE endpoint_id = $1', args);
    const activations = await client.query<{ body: string }>(
      `SELECT body FROM fabric.events WHERE endpoint_id = $1 AND type = 'PlanActivated' ORDER BY seq DESC LIMIT $2`,
      [endpointId, DASHBOARD_QUERY_LIMITS.timelineActivationsMax],
    );
    const enactors = await client.query<{ enactor_id: string; confirmed_generation: Int | null; lag: Int | null; last_event_seq: Int }>(
      'SELECT enactor_id, confirmed_generation, lag, last_event_seq FROM fabric.enactor_progress WHERE endpoint_id = $1 ORDER BY enactor_id',
      args,
    );
    const decisions = await client.query<DecisionDbRow>(
      'SELECT * FROM fabric.decisions WHERE endpoint_id = $1 ORDER BY command_offset DESC LIMIT $2',
      [endpointId, DASHBOARD_QUERY_LIMITS.recentDecisionsMax],
    );
    const reasons = await client.query<{ reason: string; n: Int }>(
      `SELECT reason, count(*) AS n FROM fabric.decisions WHERE endpoint_id = $1 AND outcome = 'rejected'
        GROUP BY reason ORDER BY count(*) DESC, reason`,
      args,
    );
    const enactorRows = enactors.rows.map((row) => ({
      enactorId: row.enactor_id,
      confirmedGeneration: num(row.confirmed_generation),
      lag: num(row.lag),
      lastEventSeq: num(row.last_event_seq),
    }));
    const activeGeneration = num(endpoint.active_generation);
    const lags = enactorRows.map((row) => row.lag).filter((lag): lag is number => lag !== null);
    return {
      endpoint: {
        endpointId,
        registered: endpoint.registered,
        enactors: endpoint.enactors,
        quorum: endpoint.quorum,
        minValidPlans: endpoint.min_valid_plans,
        activeGeneration,
        activation: num(endpoint.activation),
        validPlanCount: endpoint.valid_plan_count,
        lastEventSeq: num(endpoint.last_event_seq),
        updatedAt: endpoint.updated_at.toISOString(),
        confirmedActive: enactorRows.filter((row) => activeGeneration !== null && row.confirmedGeneration === activeGeneration).length,
        maxLag: lags.length === 0 ? null : Math.max(...lags),
        rejectedCount: reasons.rows.reduce((sum, row) => sum + num(row.n), 0),
      },
      maxCapacityDropPercent: num(endpoint.max_capacity_drop_percent),
      plans: plans.rows.reverse().map((row) => ({
        generation: num(row.generation),
        status: row.status,
        records: row.records,
        ttl: row.ttl,
        totalWeight: num(row.total_weight),
        proposedSeq: num(row.proposed_seq),
        activatedSeq: num(row.activated_seq),
        deletedSeq: num(row.deleted_seq),
      })),
      planCount: num(planCount.rows[0]?.n ?? 0),
      activations: activations.rows.reverse().map((row) => activationOf(row.body)),
      enactors: enactorRows,
      recentDecisions: decisions.rows.map(decisionOf),
      rejectionsByReason: reasons.rows.map((row) => ({ reason: row.reason, count: num(row.n) })),
    };
  });
}

function activationOf(body: string): ActivationSummary {
  const event = parseEvent(body);
  if (event.type !== 'PlanActivated') {
    throw new Error(`fabric.events row seq ${event.seq} of '${event.endpointId}' is typed PlanActivated but holds a ${event.type}; rebuild the projection`);
  }
  return {
    seq: event.seq,
    commandOffset: event.commandOffset,
    generation: event.data.generation,
    activation: event.data.activation,
    previousGeneration: event.data.previousGeneration,
    by: event.data.by,
    reason: event.data.reason,
  };
}

export interface RejectionQuery {
  /** One endpoint; or, when absent, these endpoints (null: every endpoint). */
  readonly endpointId?: string;
  readonly endpointIds?: readonly string[] | null;
  readonly reason?: string;
  readonly limit?: number;
}

export interface Rejections {
  /** Counts over every matching rejection (the endpoint scope, not the reason filter, so the chips stay visible). */
  readonly byReason: readonly ReasonCount[];
  readonly total: number;
  /** The newest matching rejections, newest first (by endpoint, then command offset). */
  readonly rejections: readonly DecisionSummary[];
}

/** Rejected commands, counted by reason and listed with their details. */
export async function rejectedCommands(pool: Pool, query: RejectionQuery = {}): Promise<Rejections> {
  const scope = query.endpointId !== undefined ? [query.endpointId] : (query.endpointIds ?? null);
  return inSnapshot(pool, async (client) => {
    const counts = await client.query<{ reason: string; n: Int }>(
      `SELECT reason, count(*) AS n FROM fabric.decisions
        WHERE outcome = 'rejected' AND ($1::text[] IS NULL OR endpoint_id = ANY($1))
        GROUP BY reason ORDER BY count(*) DESC, reason`,
      [scope],
    );
    const rows = await client.query<DecisionDbRow>(
      `SELECT * FROM fabric.decisions
        WHERE outcome = 'rejected' AND ($1::text[] IS NULL OR endpoint_id = ANY($1)) AND ($2::text IS NULL OR reason = $2)
        ORDER BY endpoint_id, command_offset DESC
        LIMIT $3`,
      [scope, query.reason ?? null, clamp(query.limit, DASHBOARD_QUERY_LIMITS.rejectionsMax)],
    );
    const byReason = counts.rows.map((row) => ({ reason: row.reason, count: num(row.n) }));
    return { byReason, total: byReason.reduce((sum, row) => sum + row.count, 0), rejections: rows.rows.map(decisionOf) };
  });
}

export interface EndpointEventLog {
  /** The endpoint row's last seq; equals the number of events when the projection is whole. */
  readonly lastEventSeq: number;
  /** The event bodies, in seq order, exactly as the sequencer wrote them. */
  readonly bodies: readonly string[];
}

/** The projected event log of one endpoint, in one snapshot; null if nothing of it is projected. */
export async function endpointEventLog(pool: Pool, endpointId: string): Promise<EndpointEventLog | null> {
  return inSnapshot(pool, async (client) => {
    const endpoint = await client.query<{ last_event_seq: Int }>('SELECT last_event_seq FROM fabric.endpoints WHERE endpoint_id = $1', [
      endpointId,
    ]);
    const row = endpoint.rows[0];
    if (row === undefined) return null;
    const lastEventSeq = num(row.last_event_seq);
    if (lastEventSeq > DASHBOARD_QUERY_LIMITS.dryRunEventsMax) {
      throw new Error(
        `endpoint '${endpointId}' has ${lastEventSeq} events; a dry run folds at most ${DASHBOARD_QUERY_LIMITS.dryRunEventsMax}`,
      );
    }
    const events = await client.query<{ body: string }>('SELECT body FROM fabric.events WHERE endpoint_id = $1 ORDER BY seq', [endpointId]);
    return { lastEventSeq, bodies: events.rows.map((event) => event.body) };
  });
}
