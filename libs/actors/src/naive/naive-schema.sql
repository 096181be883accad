-- The naive control plane of the demo: the incident's design, without a
-- sequencer. Plans live in a table every actor reads and writes directly;
-- the backend has the shape of dns.record_sets / dns.write_log but no fence
-- (activation is simply the generation: there are no decisions to number).
-- Idempotent: applied by the demo and the tests before a naive run.
CREATE SCHEMA IF NOT EXISTS naive;

CREATE TABLE IF NOT EXISTS naive.plans (
  endpoint_id text    NOT NULL,
  generation  bigint  NOT NULL,
  records     jsonb   NOT NULL,
  ttl         integer NOT NULL,
  proposed_by text    NOT NULL,
  proposed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (endpoint_id, generation)
);

CREATE TABLE IF NOT EXISTS naive.record_sets (
  endpoint_id text    PRIMARY KEY,
  activation  bigint  NOT NULL,
  generation  bigint  NOT NULL,
  records     jsonb   NOT NULL,
  ttl         integer NOT NULL,
  written_by  text    NOT NULL,
  written_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Every write; held_activation is the generation the backend served when it arrived.
CREATE TABLE IF NOT EXISTS naive.write_log (
  id              bigserial PRIMARY KEY,
  endpoint_id     text    NOT NULL,
  activation      bigint  NOT NULL,
  generation      bigint  NOT NULL,
  written_by      text    NOT NULL,
  accepted        boolean NOT NULL,
  held_activation bigint,
  at              timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- What the clean-up removed: a plan, or the records of a plan from the backend.
-- was_live: it was the plan the backend served at that moment.
CREATE TABLE IF NOT EXISTS naive.cleanup_log (
  id          bigserial PRIMARY KEY,
  endpoint_id text    NOT NULL,
  generation  bigint  NOT NULL,
  what        text    NOT NULL CHECK (what IN ('plan', 'records')),
  was_live    boolean NOT NULL,
  deleted_by  text    NOT NULL,
  at          timestamptz NOT NULL DEFAULT clock_timestamp()
);
