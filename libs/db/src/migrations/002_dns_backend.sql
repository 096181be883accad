-- The DNS backend the enactors write: one live record set per endpoint, fenced
-- by the activation number of the decision it carries.
CREATE SCHEMA IF NOT EXISTS dns;

CREATE TABLE dns.record_sets (
  endpoint_id text    PRIMARY KEY,
  activation  bigint  NOT NULL,
  generation  bigint  NOT NULL,
  records     jsonb   NOT NULL,
  ttl         integer NOT NULL,
  written_by  text    NOT NULL,
  written_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Every write attempt, accepted or refused by the fence (for the demo and audits).
CREATE TABLE dns.write_log (
  id          bigserial PRIMARY KEY,
  endpoint_id text    NOT NULL,
  activation  bigint  NOT NULL,
  generation  bigint  NOT NULL,
  written_by  text    NOT NULL,
  accepted    boolean NOT NULL,
  held_activation bigint,
  at          timestamptz NOT NULL DEFAULT clock_timestamp()
);
