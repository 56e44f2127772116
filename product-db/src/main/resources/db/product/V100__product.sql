-- product-db state. No sequences, defaults from the clock or foreign keys: ids and times come
-- from commands; the state machine keeps integrity (restore COPYs tables in any order).
CREATE TABLE items (
  category          integer  NOT NULL,
  number            bigint   NOT NULL,
  name              text     NOT NULL,
  keywords          text[]   NOT NULL,
  condition         smallint NOT NULL,
  price_cents       bigint   NOT NULL,
  -- safety net: the state machine never lets stock go negative; a violation stops the replica
  quantity          bigint   NOT NULL CHECK (quantity >= 0),
  seller_id         bigint   NOT NULL,
  thumbs_up         bigint   NOT NULL,
  thumbs_down       bigint   NOT NULL,
  created_at_millis bigint   NOT NULL,
  PRIMARY KEY (category, number)
);
CREATE INDEX items_seller ON items (seller_id, category, number);

-- TakeStock reservations: the first result (success or rejection) is kept and returned on repeat.
CREATE TABLE reservations (
  reservation_id    text    PRIMARY KEY,
  result            bytea   NOT NULL,
  returned          boolean NOT NULL,
  created_at_millis bigint  NOT NULL
);
CREATE TABLE reservation_lines (
  reservation_id text    NOT NULL,
  category       integer NOT NULL,
  number         bigint  NOT NULL,
  quantity       bigint  NOT NULL,
  PRIMARY KEY (reservation_id, category, number)
);

-- AddItemVote is idempotent by feedback_id.
CREATE TABLE item_votes (
  feedback_id     text     PRIMARY KEY,
  category        integer  NOT NULL,
  number          bigint   NOT NULL,
  vote            smallint NOT NULL,
  voted_at_millis bigint   NOT NULL
);
