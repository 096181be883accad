-- Read side of Plan Fabric: folded from the events topics by the projector.
-- Everything here can be dropped and rebuilt from the topics.
CREATE SCHEMA IF NOT EXISTS fabric;

CREATE TABLE fabric.endpoints (
  endpoint_id               text PRIMARY KEY,
  enactors                  jsonb    NOT NULL DEFAULT '[]',
  quorum                    integer,
  min_valid_plans           integer,
  max_capacity_drop_percent numeric,
  registered                boolean  NOT NULL DEFAULT false,
  active_generation         bigint,
  activation                bigint,
  valid_plan_count          integer  NOT NULL DEFAULT 0,
  last_event_seq            bigint   NOT NULL,
  updated_at                timestamptz NOT NULL DEFAULT now()
);

-- status: pending (above the active generation), active, fallback (valid, below active), deleted
CREATE TABLE fabric.plans (
  endpoint_id    text    NOT NULL,
  generation     bigint  NOT NULL,
  records        jsonb   NOT NULL,
  ttl            integer NOT NULL,
  total_weight   bigint  NOT NULL,
  status         text    NOT NULL CHECK (status IN ('pending', 'active', 'fallback', 'deleted')),
  proposed_seq   bigint  NOT NULL,
  activated_seq  bigint,
  deleted_seq    bigint,
  PRIMARY KEY (endpoint_id, generation)
);

-- lag: active generation minus the enactor's confirmed generation (null when it confirmed nothing)
CREATE TABLE fabric.enactor_progress (
  endpoint_id          text   NOT NULL,
  enactor_id           text   NOT NULL,
  confirmed_generation bigint,
  lag                  bigint,
  last_event_seq       bigint NOT NULL,
  PRIMARY KEY (endpoint_id, enactor_id)
);

-- One row per command record: its outcome. command_offset is the record's offset in the command topic.
CREATE TABLE fabric.decisions (
  endpoint_id    text   NOT NULL,
  command_offset bigint NOT NULL,
  seq            bigint NOT NULL,
  command_id     text,
  command_type   text,
  actor_role     text,
  actor_id       text,
  outcome        text   NOT NULL CHECK (outcome IN ('accepted', 'rejected', 'duplicate')),
  reason         text,
  detail         text,
  PRIMARY KEY (endpoint_id, command_offset)
);
CREATE INDEX decisions_by_reason ON fabric.decisions (reason) WHERE reason IS NOT NULL;

-- The full event log, byte for byte as the sequencer wrote it (body is its canonical JSON).
CREATE TABLE fabric.events (
  endpoint_id    text   NOT NULL,
  seq            bigint NOT NULL,
  topic_offset   bigint NOT NULL,
  command_offset bigint NOT NULL,
  command_id     text,
  type           text   NOT NULL,
  body           text   NOT NULL,
  PRIMARY KEY (endpoint_id, seq)
);

-- Next offset to project per events topic partition; written in the same transaction as the rows.
CREATE TABLE fabric.projector_offsets (
  topic       text    NOT NULL,
  partition   integer NOT NULL,
  next_offset bigint  NOT NULL,
  PRIMARY KEY (topic, partition)
);
