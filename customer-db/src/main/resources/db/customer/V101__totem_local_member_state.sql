-- Per-replica bookkeeping of the totem runtime. NOT replicated: it lives in its own schema, so
-- snapshots (a COPY of every table of the current schema) neither send nor overwrite it.
-- One row, written before this replica's first totem datagram: "this replica has started
-- before" — from then on it always rejoins as an amnesiac member (TotemCore.restart) and never
-- bootstraps a brand-new cluster again.
CREATE SCHEMA totem_local;
CREATE TABLE totem_local.member_state (
  id                      integer PRIMARY KEY CHECK (id = 1),
  first_started_at_millis bigint  NOT NULL,
  starts                  bigint  NOT NULL
);
