-- The transparency log (issue 17): a Merkle tree over the global log, in the order readers see it (RFC 9162
-- hashing), and the signed checkpoints of its size and root. A follower of the log fills it after events commit,
-- as a projection does: the tree's size and log position move in the same transaction as its leaves and nodes, so
-- a crash at any instant loses nothing (the follower goes on from what was committed). The tree can be rebuilt
-- from the log; the checkpoints cannot: they are what the ledger said, signed, and an auditor holds it to them.
CREATE SCHEMA transparency;

-- The tree's state, one row: how many leaves it has and the log position of its last one.
CREATE TABLE transparency.tree (
  id              boolean       PRIMARY KEY DEFAULT true CHECK (id),
  size            bigint        NOT NULL DEFAULT 0 CHECK (size >= 0),
  transaction_id  numeric(20,0) NOT NULL DEFAULT 0,
  global_position bigint        NOT NULL DEFAULT 0,
  updated_at      timestamptz   NOT NULL DEFAULT now()
);
INSERT INTO transparency.tree DEFAULT VALUES;

-- Leaf i is the i-th event readers see: leaf_hash = SHA-256(0x00 ‖ the event's 32-byte hash).
CREATE TABLE transparency.leaves (
  leaf_index      bigint PRIMARY KEY CHECK (leaf_index >= 0),
  event_id        uuid   NOT NULL UNIQUE,
  stream_id       text   NOT NULL,
  stream_position bigint NOT NULL,
  global_position bigint NOT NULL,
  event_hash      bytea  NOT NULL CHECK (length(event_hash) = 32),
  leaf_hash       bytea  NOT NULL CHECK (length(leaf_hash) = 32)
);

-- Every complete subtree of 2^level leaves (level ≥ 4; smaller ones are hashed again from their leaves when read)
-- starting at leaf node_index·2^level, stored when its last leaf arrives: any root or proof then needs O(log n) rows.
CREATE TABLE transparency.nodes (
  level      smallint NOT NULL CHECK (level BETWEEN 1 AND 62),
  node_index bigint   NOT NULL CHECK (node_index >= 0),
  hash       bytea    NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, node_index)
);

-- Signed checkpoints (C2SP tlog-checkpoint signed notes), kept for good.
CREATE TABLE transparency.checkpoints (
  tree_size  bigint      PRIMARY KEY CHECK (tree_size >= 0),
  root       bytea       NOT NULL CHECK (length(root) = 32),
  origin     text        NOT NULL,
  key_name   text        NOT NULL,
  note       text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION transparency.refuse_checkpoint_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'transparency.checkpoints is append-only: % is refused', TG_OP
    USING ERRCODE = 'P0001', HINT = 'a signed checkpoint is what the ledger said; it is never taken back';
END;
$$;

CREATE TRIGGER checkpoints_refuse_update_delete
  BEFORE UPDATE OR DELETE ON transparency.checkpoints
  FOR EACH ROW EXECUTE FUNCTION transparency.refuse_checkpoint_change();
CREATE TRIGGER checkpoints_refuse_truncate
  BEFORE TRUNCATE ON transparency.checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION transparency.refuse_checkpoint_change();
