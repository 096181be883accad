import type { Pool } from 'pg';
import { withTransaction } from '@plan-fabric/db';
import type { PlanRecord } from '@plan-fabric/domain';

/** A record set as the enactor hands it to the DNS backend, with its fencing token. */
export interface RecordSetWrite {
  /** Fencing token: the activation number of the decision this write carries. */
  readonly activation: number;
  readonly generation: number;
  readonly records: readonly PlanRecord[];
  readonly ttl: number;
}

export interface WriteResult {
  /** True when the backend now serves this write (or already did: same activation, same generation). */
  readonly accepted: boolean;
  /** The activation the backend held when the write arrived (null: it held nothing). */
  readonly heldActivation: number | null;
}

/** What the backend serves for an endpoint. */
export interface RecordSet {
  readonly endpointId: string;
  readonly activation: number;
  readonly generation: number;
  readonly records: readonly PlanRecord[];
  readonly ttl: number;
  readonly writtenBy: string;
}

/** The DNS service enactors write: it refuses a write of an earlier activation than the one it holds. */
export interface DnsBackend {
  write(endpointId: string, write: RecordSetWrite, writer: string): Promise<WriteResult>;
  read(endpointId: string): Promise<RecordSet | null>;
}

/** Schemas holding a backend of the `dns.record_sets` / `dns.write_log` shape (the naive run has its own). */
export type BackendSchema = 'dns' | 'naive';

/**
 * The fenced DNS backend on Postgres (schema `dns`, migration
 * 002_dns_backend.sql). One transaction per write: an advisory lock per
 * endpoint orders concurrent writers so the held activation each one logs is
 * exact, then a single conditional upsert — the fence — replaces the row only
 * if it holds a lower activation; every attempt lands in dns.write_log.
 */
export class PgDnsBackend implements DnsBackend {
  constructor(private readonly pool: Pool) {}

  async write(endpointId: string, write: RecordSetWrite, writer: string): Promise<WriteResult> {
    assertWrite(endpointId, write);
    return withTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`dns.record_sets:${endpointId}`]);
      const held = await client.query<{ activation: string; generation: string }>(
        'SELECT activation, generation FROM dns.record_sets WHERE endpoint_id = $1',
        [endpointId],
      );
      const upsert = await client.query(
        `INSERT INTO dns.record_sets (endpoint_id, activation, generation, records, ttl, written_by)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6)
         ON CONFLICT (endpoint_id) DO UPDATE
           SET activation = EXCLUDED.activation, generation = EXCLUDED.generation, records = EXCLUDED.records,
               ttl = EXCLUDED.ttl, written_by = EXCLUDED.written_by, written_at = clock_timestamp()
           WHERE dns.record_sets.activation < EXCLUDED.activation
         RETURNING activation`,
        [endpointId, write.activation, write.generation, JSON.stringify(write.records), write.ttl, writer],
      );
      const heldRow = held.rows[0];
      const heldActivation = heldRow === undefined ? null : Number(heldRow.activation);
      // Same activation means the same decision: a repeated write is idempotent, not a conflict.
      const accepted =
        upsert.rowCount === 1 ||
        (heldRow !== undefined && heldActivation === write.activation && Number(heldRow.generation) === write.generation);
      await client.query(
        `INSERT INTO dns.write_log (endpoint_id, activation, generation, written_by, accepted, held_activation)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [endpointId, write.activation, write.generation, writer, accepted, heldActivation],
      );
      return { accepted, heldActivation };
    });
  }

  read(endpointId: string): Promise<RecordSet | null> {
    return readRecordSet(this.pool, 'dns', endpointId);
  }
}

/** Reads what a backend of either schema serves for an endpoint. */
export async function readRecordSet(pool: Pool, schema: BackendSchema, endpointId: string): Promise<RecordSet | null> {
  const result = await pool.query<{ activation: string; generation: string; records: PlanRecord[]; ttl: number; written_by: string }>(
    `SELECT activation, generation, records, ttl, written_by FROM ${schemaName(schema)}.record_sets WHERE endpoint_id = $1`,
    [endpointId],
  );
  const row = result.rows[0];
  if (row === undefined) return null;
  return {
    endpointId,
    activation: Number(row.activation),
    generation: Number(row.generation),
    records: row.records,
    ttl: row.ttl,
    writtenBy: row.written_by,
  };
}

/** One attempt of the write log, in the order the backend saw them. */
export interface WriteLogEntry {
  readonly id: number;
  readonly activation: number;
  readonly generation: number;
  readonly writtenBy: string;
  readonly accepted: boolean;
  readonly heldActivation: number | null;
  readonly atMs: number;
}

export async function readWriteLog(pool: Pool, schema: BackendSchema, endpointId: string): Promise<WriteLogEntry[]> {
  const result = await pool.query<{
    id: string;
    activation: string;
    generation: string;
    written_by: string;
    accepted: boolean;
    held_activation: string | null;
    at: Date;
  }>(
    `SELECT id, activation, generation, written_by, accepted, held_activation, at
       FROM ${schemaName(schema)}.write_log WHERE endpoint_id = $1 ORDER BY id`,
    [endpointId],
  );
  return result.rows.map((row) => ({
    id: Number(row.id),
    activation: Number(row.activation),
    generation: Number(row.generation),
    writtenBy: row.written_by,
    accepted: row.accepted,
    heldActivation: row.held_activation === null ? null : Number(row.held_activation),
    atMs: row.at.getTime(),
  }));
}

function schemaName(schema: BackendSchema): string {
  if (schema !== 'dns' && schema !== 'naive') throw new Error(`unknown backend schema '${String(schema)}'`);
  return schema;
}

function assertWrite(endpointId: string, write: RecordSetWrite): void {
  if (!Number.isSafeInteger(write.activation) || write.activation < 1) {
    throw new Error(`DNS write for '${endpointId}': activation ${write.activation} is not a positive integer`);
  }
  if (write.records.length === 0) {
    // Never serve an empty record set (invariant 8); a plan always has records, so this is a defect upstream.
    throw new Error(`DNS write for '${endpointId}' generation ${write.generation}: refusing an empty record set`);
  }
}
