-- Replication bookkeeping shared by every replica kind. Domain migrations start at V100.
CREATE TABLE replica_state (
  id                 integer PRIMARY KEY CHECK (id = 1),
  -- Position of the last applied command.
  last_applied       bigint  NOT NULL,
  -- Highest command time seen (epoch ms); idempotency records older than this minus 24 h are
  -- expired. A function of the applied log prefix, so identical on every replica.
  max_command_millis bigint  NOT NULL
);
INSERT INTO replica_state (id, last_applied, max_command_millis) VALUES (1, 0, 0);

CREATE TABLE idempotency (
  key               text   PRIMARY KEY,
  result            bytea  NOT NULL,
  applied_at_millis bigint NOT NULL
);
CREATE INDEX idempotency_applied_at ON idempotency (applied_at_millis);
