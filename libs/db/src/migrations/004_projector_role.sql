-- fabric_projector: the role the projector writes the projection as. It may read
-- and write the rows of schema fabric's tables and nothing else: no DELETE or
-- TRUNCATE (the projector only inserts and updates), no DDL (CREATE on the
-- schema, DROP: only the owner, who runs the migrations), nothing on dns, naive
-- or public. Roles belong to the whole cluster, so another database of it may
-- have made this one already (see 003_reader_role.sql); grants belong to this
-- database.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'fabric_projector') THEN
    BEGIN
      -- LOGIN without a password: local trust auth; a deployment sets one (ALTER ROLE … PASSWORD) or uses certificates.
      CREATE ROLE fabric_projector LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- a migration of another database of this cluster created it meanwhile
    END;
  END IF;
END
$$;

GRANT USAGE ON SCHEMA fabric TO fabric_projector;
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA fabric TO fabric_projector;
-- Tables a later migration adds to fabric are projection tables too (default privileges of the migrating role).
ALTER DEFAULT PRIVILEGES IN SCHEMA fabric GRANT SELECT, INSERT, UPDATE ON TABLES TO fabric_projector;
