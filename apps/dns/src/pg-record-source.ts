import type { Pool } from 'pg';
import type { BackendSchema } from '@plan-fabric/actors';
import type { BackendRecord, EndpointLookup, RecordSource } from './dns-responder';

/**
 * Per backend: the live record set, and whether the endpoint is known even
 * without one — registered in the fabric's projection (`dns`), or with a plan
 * in the naive table (`naive`). Schemas are fixed strings here, never input.
 */
const LOOKUP_SQL: Readonly<Record<BackendSchema, string>> = {
  dns: `SELECT r.records, r.ttl,
               (r.endpoint_id IS NOT NULL
                OR EXISTS (SELECT 1 FROM fabric.endpoints e WHERE e.endpoint_id = $1 AND e.registered)) AS known
          FROM (VALUES (1)) AS one (x) LEFT JOIN dns.record_sets r ON r.endpoint_id = $1`,
  naive: `SELECT r.records, r.ttl,
                 (r.endpoint_id IS NOT NULL
                  OR EXISTS (SELECT 1 FROM naive.plans p WHERE p.endpoint_id = $1)) AS known
            FROM (VALUES (1)) AS one (x) LEFT JOIN naive.record_sets r ON r.endpoint_id = $1`,
};

/**
 * Answers from Postgres: one read per query, no cache, so an answer is what
 * the backend held when the query arrived. Queries for the same endpoint that
 * arrive while its read is in flight share that read (a burst costs one
 * round trip, and nothing is older than the read itself).
 */
export class PgRecordSource implements RecordSource {
  private readonly inFlight = new Map<string, Promise<EndpointLookup>>();

  constructor(
    private readonly pool: Pool,
    readonly schema: BackendSchema,
  ) {
    if (!(schema in LOOKUP_SQL)) throw new Error(`unknown backend schema '${String(schema)}' (dns or naive)`);
  }

  lookup(endpointId: string): Promise<EndpointLookup> {
    const pending = this.inFlight.get(endpointId);
    if (pending !== undefined) return pending;
    const read = this.read(endpointId).finally(() => this.inFlight.delete(endpointId));
    this.inFlight.set(endpointId, read);
    return read;
  }

  private async read(endpointId: string): Promise<EndpointLookup> {
    const { rows } = await this.pool.query<{ records: unknown; ttl: number | null; known: boolean }>(LOOKUP_SQL[this.schema], [endpointId]);
    const row = rows[0];
    if (row === undefined || !row.known) return { kind: 'unknown' };
    return { kind: 'known', records: backendRecords(row.records), ttl: row.ttl ?? 0 };
  }
}

/** The jsonb column as records; anything that is not `{address: string, weight}` is left out (the naive backend checks nothing). */
function backendRecords(value: unknown): BackendRecord[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown) => {
    if (typeof item !== 'object' || item === null) return [];
    const { address, weight } = item as { address?: unknown; weight?: unknown };
    return typeof address === 'string' ? [{ address, weight: typeof weight === 'number' ? weight : 1 }] : [];
  });
}
