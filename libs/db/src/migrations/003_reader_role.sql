-- fabric_reader: the role the dashboard (and any other reader of the projections)
-- connects as. It may read schema fabric and nothing else, and it can write
-- nowhere: only the projector, connecting as the owner of the tables, writes.
-- Roles belong to the whole cluster, so another database of it may have made
-- this one already (or be making it right now: the migration lock is per
-- database); grants belong to this database.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'fabric_reader') THEN
    BEGIN
      -- LOGIN without a password: local trust auth; a deployment sets one (ALTER ROLE … PASSWORD) or uses certificates.
      CREATE ROLE fabric_reader LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
      -- Belt and braces: even a write privilege granted by mistake later is not used by default.
      ALTER ROLE fabric_reader SET default_transaction_read_only = on;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- a migration of another database of this cluster created it meanwhile
    END;
  END IF;
END
$$;

GRANT USAGE ON SCHEMA fabric TO fabric_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA fabric TO fabric_reader;
-- Tables a later migration adds to fabric are readable too (default privileges of the migrating role).
ALTER DEFAULT PRIVILEGES IN SCHEMA fabric GRANT SELECT ON TABLES TO fabric_reader;
