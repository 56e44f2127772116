CREATE TABLE counters (name text PRIMARY KEY, value bigint NOT NULL);
CREATE TABLE notes (id bigint PRIMARY KEY, body text NOT NULL, payload bytea);
