/**
 * The Postgres roles of the fabric (migrations 003 and 004):
 * - the owner (DATABASE_URL): runs the migrations, owns the tables; the audit's scratch rebuild
 * - fabric_projector: reads and writes the rows of schema fabric, nothing else (the projector)
 * - fabric_reader: reads schema fabric, read-only transactions (the dashboard and its API, fabric activate / dry-run)
 */
export const PROJECTOR_ROLE = 'fabric_projector';
export const READER_ROLE = 'fabric_reader';

/**
 * DATABASE_URL with the user replaced by `role` and the password removed: the
 * same server and database. Locally trust auth lets the role in; elsewhere its
 * password comes from a PGPASSFILE (~/.pgpass) entry or PGPASSWORD, or the whole
 * URL is given (PROJECTOR_DATABASE_URL, DASHBOARD_DATABASE_URL).
 */
export function roleDatabaseUrl(databaseUrl: string, role: string): string {
  const url = new URL(databaseUrl);
  url.username = role;
  url.password = '';
  return url.toString();
}

/** Where the projector writes: PROJECTOR_DATABASE_URL, or DATABASE_URL as fabric_projector. */
export function projectorDatabaseUrl(databaseUrl: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['PROJECTOR_DATABASE_URL'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : roleDatabaseUrl(databaseUrl, PROJECTOR_ROLE);
}

/** A connection string fit for a log line: the password, if any, replaced by ***. */
export function redactedDatabaseUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password !== '') url.password = '***';
    for (const key of [...url.searchParams.keys()]) if (/pass/i.test(key)) url.searchParams.set(key, '***');
    return url.toString();
  } catch {
    return '(a connection string that is not a URL)';
  }
}
