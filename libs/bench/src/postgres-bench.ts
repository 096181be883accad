import { assertStep, canonicalJson, initialState, parseEvent, evolve, type EndpointState } from '@plan-fabric/domain';
import { workloadCommand } from './commands';
import { now, type BenchContext } from './context';
import { benchSequence } from './domain-calls';
import type { ThroughputRow } from './results';

export interface PostgresOptions {
  readonly id: string;
  readonly label: string;
  readonly endpoints: number;
  /** Clients (connections) issuing commands at once. */
  readonly clients: number;
  readonly commands: number;
  readonly synchronousCommit: boolean;
}

/**
 * What many teams would build instead of a log: Postgres alone. Each command
 * is one transaction: lock the endpoint's row (SELECT … FOR UPDATE), run the
 * same decide + evolve + invariants as the sequencer, insert the event, update
 * the endpoint's row, COMMIT. Clients race for the lock; whoever holds it
 * decides the endpoint's next command, so the decided log is the same one the
 * sequencer decides. The state is kept in memory per endpoint and trusted only
 * while the locked row's last_seq matches it (else it is refolded from the
 * events table), like the projector's cache: no reload per command.
 */
export async function postgresOnly(ctx: BenchContext, options: PostgresOptions): Promise<ThroughputRow> {
  const schema = `bench_${ctx.runId}_pg`;
  ctx.schemas.add(schema);
  await ctx.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await ctx.pool.query(`CREATE SCHEMA ${schema}`);
  await ctx.pool.query(`CREATE TABLE ${schema}.endpoints (endpoint_id text PRIMARY KEY, last_seq bigint NOT NULL, last_hash text NOT NULL, active_generation bigint, updated_at timestamptz NOT NULL DEFAULT now())`);
  await ctx.pool.query(
    `CREATE TABLE ${schema}.events (endpoint_id text NOT NULL, seq bigint NOT NULL, command_offset bigint NOT NULL, command_id text, type text NOT NULL, body text NOT NULL, PRIMARY KEY (endpoint_id, seq))`,
  );
  const endpointIds = Array.from({ length: options.endpoints }, (_, i) => `pg-${options.id}-e${i}`);
  await ctx.pool.query(
    `INSERT INTO ${schema}.endpoints (endpoint_id, last_seq, last_hash) SELECT unnest($1::text[]), 0, repeat('0', 64)`,
    [endpointIds],
  );
  const cache = new Map<string, EndpointState>(endpointIds.map((id) => [id, initialState(id)]));
  let claimed = 0;
  let decided = 0;
  let refolds = 0;
  const client = async (lane: number) => {
    const connection = await ctx.pool.connect();
    try {
      await connection.query(`SET synchronous_commit = ${options.synchronousCommit ? 'on' : 'off'}`);
      let pick = lane;
      while (claimed < options.commands) {
        claimed++;
        const endpointId = endpointIds[pick++ % endpointIds.length]!;
        await connection.query('BEGIN');
        try {
          const locked = await connection.query<{ last_seq: string }>(`SELECT last_seq FROM ${schema}.endpoints WHERE endpoint_id = $1 FOR UPDATE`, [endpointId]);
          const lastSeq = Number(locked.rows[0]?.last_seq ?? 0);
          let state = cache.get(endpointId)!;
          if (state.nextSeq - 1 !== lastSeq) {
            refolds++;
            const rows = await connection.query<{ body: string }>(`SELECT body FROM ${schema}.events WHERE endpoint_id = $1 ORDER BY seq`, [endpointId]);
            state = rows.rows.reduce((folded, row) => evolve(folded, parseEvent(row.body)), initialState(endpointId));
          }
          // The endpoint's next command: the one the sequencer would decide at this position.
          const offset = state.nextCommandOffset;
          const step = benchSequence(state, { offset, value: workloadCommand(endpointId, offset).value });
          assertStep({ before: state, event: step.event, after: step.state });
          await connection.query(
            `INSERT INTO ${schema}.events (endpoint_id, seq, command_offset, command_id, type, body) VALUES ($1, $2, $3, $4, $5, $6)`,
            [endpointId, step.event.seq, step.event.commandOffset, step.event.commandId, step.event.type, canonicalJson(step.event)],
          );
          await connection.query(`UPDATE ${schema}.endpoints SET last_seq = $2, last_hash = $3, active_generation = $4, updated_at = now() WHERE endpoint_id = $1`, [
            endpointId,
            step.event.seq,
            step.state.lastEventHash,
            step.state.active?.generation ?? null,
          ]);
          // Cached before COMMIT: the next lock holder (another client of this process) can read the new
          // last_seq before this client hears its COMMIT answer. A failed COMMIT drops the entry (refold).
          cache.set(endpointId, step.state);
          try {
            await connection.query('COMMIT');
          } catch (error) {
            cache.set(endpointId, initialState(endpointId));
            throw error;
          }
          decided++;
        } catch (error) {
          await connection.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }
    } finally {
      await connection.query('RESET synchronous_commit').catch(() => undefined);
      connection.release();
    }
  };
  const started = now();
  await Promise.all(Array.from({ length: options.clients }, (_, lane) => client(lane)));
  const seconds = (now() - started) / 1000;
  const { rows } = await ctx.pool.query<{ count: string }>(`SELECT count(*) FROM ${schema}.events`);
  if (Number(rows[0]?.count) !== decided) throw new Error(`postgres-only: ${decided} decided but ${rows[0]?.count} events stored`);
  await ctx.pool.query(`DROP SCHEMA ${schema} CASCADE`);
  ctx.schemas.delete(schema);
  return {
    id: options.id,
    group: 'postgres',
    label: options.label,
    records: decided,
    seconds,
    perSecond: decided / seconds,
    note: `${options.clients} clients, synchronous_commit ${options.synchronousCommit ? 'on' : 'off'}${refolds > 0 ? `, ${refolds} refolds` : ''}`,
  };
}
