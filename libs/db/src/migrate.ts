import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool } from 'pg';
import type { Logger } from '@plan-fabric/config';

export const MIGRATIONS_DIR = join(__dirname, 'migrations');
const MIGRATION_FILE = /^(\d{3})_[a-z0-9_]+\.sql$/;
/** Any constant works; every process that migrates this database must use the same one. */
const MIGRATION_LOCK_KEY = 4_271_905_331;

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

/** The NNN_name.sql files of a directory, in version order. */
export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = MIGRATION_FILE.exec(file);
      if (match === null) throw new Error(`migration file '${file}' in ${dir} must be named NNN_snake_case.sql`);
      const sql = readFileSync(join(dir, file), 'utf8');
      return { version: Number(match[1]), name: file, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((migration, index) => {
    if (migrations[index - 1]?.version === migration.version) {
      throw new Error(`two migrations have version ${migration.version}: ${migrations[index - 1]?.name} and ${migration.name}`);
    }
  });
  return migrations;
}

/**
 * Applies every migration not applied yet, in order, each in its own
 * transaction with its row in public.plan_fabric_migrations. A session
 * advisory lock makes processes that start together take turns; the one that
 * comes second finds everything applied. An applied file whose text changed is
 * refused: migrations are versioned, so a change is a new file.
 * Returns the names of the migrations it applied.
 */
export async function migrate(pool: Pool, logger: Logger, dir: string = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = readMigrations(dir);
  const client = await pool.connect();
  const onError = (error: Error) => logger.error('Postgres connection lost while migrating', { error });
  client.on('error', onError);
  let broken: Error | undefined;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS public.plan_fabric_migrations (
        version    integer PRIMARY KEY,
        name       text NOT NULL,
        checksum   text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
        'SELECT version, name, checksum FROM public.plan_fabric_migrations',
      );
      const applied = new Map(rows.map((row) => [row.version, row]));
      const done: string[] = [];
      for (const migration of migrations) {
        const previous = applied.get(migration.version);
        if (previous !== undefined) {
          if (previous.checksum !== migration.checksum) {
            throw new Error(
              `migration ${migration.name} was applied as '${previous.name}' with different content; ` +
                'applied migrations must not change — revert the edit and add a new NNN_*.sql file instead',
            );
          }
          continue;
        }
        try {
          await client.query('BEGIN');
          await client.query(migration.sql);
          await client.query('INSERT INTO public.plan_fabric_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
            migration.version,
            migration.name,
            migration.checksum,
          ]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch((rollbackError: Error) => {
            broken = rollbackError;
          });
          throw new Error(`migration ${migration.name} failed and was rolled back: ${(error as Error).message}`);
        }
        logger.info('migration applied', { migration: migration.name });
        done.push(migration.name);
      }
      return done;
    } finally {
      if (broken === undefined) {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch((error: Error) => {
          broken = error;
        });
      }
    }
  } finally {
    client.removeListener('error', onError);
    // A destroyed connection also frees its session lock.
    client.release(broken);
  }
}
