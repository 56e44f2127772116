-- customer-db state. No sequences, clock defaults or foreign keys: ids and times come from
-- commands; the state machine keeps integrity (restore COPYs tables in any order).
CREATE TABLE sellers (
  id                bigint PRIMARY KEY,
  username          text   NOT NULL UNIQUE,
  name              text   NOT NULL,
  password_hash     text   NOT NULL,
  thumbs_up         bigint NOT NULL,
  thumbs_down       bigint NOT NULL,
  items_sold        bigint NOT NULL,
  created_at_millis bigint NOT NULL
);
CREATE TABLE buyers (
  id                bigint PRIMARY KEY,
  username          text   NOT NULL UNIQUE,
  name              text   NOT NULL,
  password_hash     text   NOT NULL,
  items_purchased   bigint NOT NULL,
  created_at_millis bigint NOT NULL
);
-- role: 1 = SELLER, 2 = BUYER (marketplace.Role numbers). Valid while expires_at_millis > the
-- command's (or the reading service's) time.
CREATE TABLE sessions (
  token               text     PRIMARY KEY,
  role                smallint NOT NULL,
  account_id          bigint   NOT NULL,
  expires_at_millis   bigint   NOT NULL,
  refreshed_at_millis bigint   NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at_millis);
CREATE TABLE cart_lines (
  token    text    NOT NULL,
  category integer NOT NULL,
  number   bigint  NOT NULL,
  quantity bigint  NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (token, category, number)
);
CREATE TABLE saved_cart_lines (
  buyer_id bigint  NOT NULL,
  category integer NOT NULL,
  number   bigint  NOT NULL,
  quantity bigint  NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (buyer_id, category, number)
);
CREATE TABLE purchases (
  id                  text   PRIMARY KEY,
  buyer_id            bigint NOT NULL,
  -- position in the global purchase order (max + 1), for "oldest first"
  seq                 bigint NOT NULL UNIQUE,
  total_cents         bigint NOT NULL,
  purchased_at_millis bigint NOT NULL
);
CREATE INDEX purchases_buyer ON purchases (buyer_id, seq);
CREATE TABLE purchase_lines (
  purchase_id      text    NOT NULL,
  line_no          integer NOT NULL,
  category         integer NOT NULL,
  number           bigint  NOT NULL,
  name             text    NOT NULL,
  quantity         bigint  NOT NULL,
  unit_price_cents bigint  NOT NULL,
  seller_id        bigint  NOT NULL,
  PRIMARY KEY (purchase_id, line_no)
);
CREATE INDEX purchase_lines_item ON purchase_lines (category, number);
CREATE TABLE feedback (
  buyer_id        bigint   NOT NULL,
  category        integer  NOT NULL,
  number          bigint   NOT NULL,
  seller_id       bigint   NOT NULL,
  vote            smallint NOT NULL,
  voted_at_millis bigint   NOT NULL,
  PRIMARY KEY (buyer_id, category, number)
);
