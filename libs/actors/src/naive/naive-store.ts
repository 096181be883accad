import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { withTransaction } from '@plan-fabric/db';
import type { PlanRecord } from '@plan-fabric/domain';
import { readRecordSet, type RecordSet } from '../dns-backend';

export interface NaivePlan {
  readonly generation: number;
  readonly records: readonly PlanRecord[];
  readonly ttl: number;
}

export interface NaiveWriteResult {
  /** The generation the backend served when this write arrived (null: nothing). */
  readonly heldGeneration: number | null;
}

export interface NaiveCleanup {
  readonly deletedPlans: number[];
  /** Generations whose records the clean-up removed from the backend (the record set went empty). */
  readonly clearedRecords: number[];
  /** The generation the backend served when the clean-up ran, if any. */
  readonly liveGeneration: number | null;
}

export async function ensureNaiveSchema(pool: Pool): Promise<void> {
  const sql = readFileSync(join(__dirname, 'naive-schema.sql'), 'utf8');
  await withTransaction(pool, async (client) => {
    // CREATE … IF NOT EXISTS is not safe against itself running concurrently.
    await client.query("SELECT pg_advisory_xact_lock(hashtext('naive-schema'))");
    await client.query(sql);
  });
}

/**
 * The naive plane's shared state, read and written directly by every actor:
 * no ordering, no validation — each actor trusts a check it made earlier.
 */
export class NaiveStore {
  constructor(private readonly pool: Pool) {}

  async proposePlan(endpointId: string, plan: NaivePlan, by: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO naive.plans (endpoint_id, generation, records, ttl, proposed_by) VALUES ($1, $2, $3::jsonb, $4, $5)`,
      [endpointId, plan.generation, JSON.stringify(plan.records), plan.ttl, by],
    );
  }

  async highestGeneration(endpointId: string): Promise<number> {
    const result = await this.pool.query<{ max: string | null }>('SELECT max(generation) AS max FROM naive.plans WHERE endpoint_id = $1', [
      endpointId,
    ]);
    return Number(result.rows[0]?.max ?? 0);
  }

  async newestPlan(endpointId: string): Promise<NaivePlan | null> {
    const result = await this.pool.query<{ generation: string; records: PlanRecord[]; ttl: number }>(
      'SELECT generation, records, ttl FROM naive.plans WHERE endpoint_id = $1 ORDER BY generation DESC LIMIT 1',
      [endpointId],
    );
    const row = result.rows[0];
    return row === undefined ? null : { generation: Number(row.generation), records: row.records, ttl: row.ttl };
  }

  async planExists(endpointId: string, generation: number): Promise<boolean> {
    const result = await this.pool.query('SELECT 1 FROM naive.plans WHERE endpoint_id = $1 AND generation = $2', [endpointId, generation]);
    return result.rowCount === 1;
  }

  readLive(endpointId: string): Promise<RecordSet | null> {
    return readRecordSet(this.pool, 'naive', endpointId);
  }

  /** Writes the backend unconditionally — the incident's enactor: no fence, whatever it holds is replaced. */
  async writeUnfenced(endpointId: string, plan: NaivePlan, writer: string): Promise<NaiveWriteResult> {
    return withTransaction(this.pool, async (client) => {
      // Only orders writers so the logged held generation is exact; the write itself is not conditional.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`naive.record_sets:${endpointId}`]);
      const held = await client.query<{ generation: string }>('SELECT generation FROM naive.record_sets WHERE endpoint_id = $1', [
        endpointId,
      ]);
      const heldGeneration = held.rows[0] === undefined ? null : Number(held.rows[0].generation);
      await client.query(
        `INSERT INTO naive.record_sets (endpoint_id, activation, generation, records, ttl, written_by)
         VALUES ($1, $2, $2, $3::jsonb, $4, $5)
         ON CONFLICT (endpoint_id) DO UPDATE
           SET activation = EXCLUDED.activation, generation = EXCLUDED.generation, records = EXCLUDED.records,
               ttl = EXCLUDED.ttl, written_by = EXCLUDED.written_by, written_at = clock_timestamp()`,
        [endpointId, plan.generation, JSON.stringify(plan.records), plan.ttl, writer],
      );
      await client.query(
        `INSERT INTO naive.write_log (endpoint_id, activation, generation, written_by, accepted, held_activation)
         VALUES ($1, $2, $2, $3, true, $4)`,
        [endpointId, plan.generation, writer, heldGeneration],
      );
      return { heldGeneration };
    });
  }

  /** The newest generation any enactor applied: the clean-up's reference point. */
  async newestApplied(endpointId: string): Promise<number | null> {
    const result = await this.pool.query<{ max: string | null }>('SELECT max(generation) AS max FROM naive.write_log WHERE endpoint_id = $1', [
      endpointId,
    ]);
    const max = result.rows[0]?.max ?? null;
    return max === null ? null : Number(max);
  }

  /**
   * The incident's clean-up: deletes every plan older than `cutoff` and
   * removes those plans' records from the backend. It never asks whether one
   * of them is the plan the backend serves right now.
   */
  async cleanup(endpointId: string, cutoff: number, by: string): Promise<NaiveCleanup> {
    return withTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`naive.record_sets:${endpointId}`]);
      const live = await client.query<{ generation: string }>('SELECT generation FROM naive.record_sets WHERE endpoint_id = $1', [
        endpointId,
      ]);
      const liveGeneration = live.rows[0] === undefined ? null : Number(live.rows[0].generation);
      const plans = await client.query<{ generation: string }>(
        'DELETE FROM naive.plans WHERE endpoint_id = $1 AND generation < $2 RETURNING generation',
        [endpointId, cutoff],
      );
      const cleared = await client.query<{ generation: string }>(
        `UPDATE naive.record_sets SET records = '[]'::jsonb, written_by = $3, written_at = clock_timestamp()
          WHERE endpoint_id = $1 AND generation < $2 AND records <> '[]'::jsonb RETURNING generation`,
        [endpointId, cutoff, by],
      );
      const deletedPlans = plans.rows.map((row) => Number(row.generation)).sort((a, b) => a - b);
      const clearedRecords = cleared.rows.map((row) => Number(row.generation));
      for (const generation of deletedPlans) {
        await client.query(
          `INSERT INTO naive.cleanup_log (endpoint_id, generation, what, was_live, deleted_by) VALUES ($1, $2, 'plan', $3, $4)`,
          [endpointId, generation, generation === liveGeneration, by],
        );
      }
      for (const generation of clearedRecords) {
        await client.query(
          `INSERT INTO naive.cleanup_log (endpoint_id, generation, what, was_live, deleted_by) VALUES ($1, $2, 'records', true, $3)`,
          [endpointId, generation, by],
        );
      }
      return { deletedPlans, clearedRecords, liveGeneration };
    });
  }
}

export interface CleanupLogEntry {
  readonly generation: number;
  readonly what: 'plan' | 'records';
  readonly wasLive: boolean;
  readonly deletedBy: string;
  readonly atMs: number;
}

export async function readCleanupLog(pool: Pool, endpointId: string): Promise<CleanupLogEntry[]> {
  const result = await pool.query<{ generation: string; what: 'plan' | 'records'; was_live: boolean; deleted_by: string; at: Date }>(
    'SELECT generation, what, was_live, deleted_by, at FROM naive.cleanup_log WHERE endpoint_id = $1 ORDER BY id',
    [endpointId],
  );
  return result.rows.map((row) => ({
    generation: Number(row.generation),
    what: row.what,
    wasLive: row.was_live,
    deletedBy: row.deleted_by,
    atMs: row.at.getTime(),
  }));
}
