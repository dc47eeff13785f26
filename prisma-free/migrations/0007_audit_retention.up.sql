-- Retention of the audit log: whole months older than the retention period are dropped,
-- once every row in them is sealed. The chain links stay (they hold hashes only), a
-- checkpoint records where the dropped range ends, and the drop is itself audited, so
-- verification still holds for what remains and says where history was retired.

CREATE TABLE audit_checkpoints (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_at      timestamptz NOT NULL DEFAULT now(),
  kind            text NOT NULL CHECK (kind IN ('retention')),
  -- Rows before this instant may be absent: their months were dropped.
  retired_before  timestamptz NOT NULL,
  -- The last link about a retired row, and its hash: the chain head at the boundary.
  through_seq     bigint,
  chain_hash      bytea,
  partitions      text[] NOT NULL,
  rows_retired    bigint NOT NULL
);
ALTER TABLE audit_checkpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_checkpoints FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_checkpoints_platform ON audit_checkpoints
  USING (app_platform_access())
  WITH CHECK (app_platform_access());
GRANT SELECT ON audit_checkpoints TO ringfence_app;
CREATE TRIGGER audit_checkpoints_no_update_delete BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- Drops every monthly partition wholly older than `retention` whose rows are all sealed
-- (the retention path: the only way rows leave audit_log). Returns what it dropped.
CREATE FUNCTION audit_drop_partitions(retention interval)
  RETURNS TABLE (partition_name text, rows_retired bigint)
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = public, pg_temp
  SET TimeZone = 'UTC'
  -- Dropping a month locks audit_log: give up (and retry next run) rather than queue
  -- behind a long reader and hold every audit insert up meanwhile.
  SET lock_timeout = '2s'
  AS $$
#variable_conflict use_column
DECLARE
  cutoff timestamptz := date_trunc('month', now() - retention);
  part record;
  unsealed boolean;
  counted bigint;
  dropped text[] := '{}';
  total bigint := 0;
  boundary timestamptz;
  head record;
  actor text := coalesce(current_setting('app.actor', true), '');
BEGIN
  IF NOT app_platform_access() THEN
    RAISE EXCEPTION 'audit_drop_partitions needs the platform setting' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF retention < interval '30 days' THEN
    RAISE EXCEPTION 'audit retention under 30 days is refused' USING ERRCODE = 'check_violation';
  END IF;
  FOR part IN
    SELECT c.relname AS name,
           (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \(''([^'']+)''\)'))[1]::timestamptz AS lower_bound,
           (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz AS upper_bound
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'audit_log'::regclass
     ORDER BY 3
  LOOP
    EXIT WHEN part.upper_bound > cutoff;
    -- Read through audit_log (its policies; the partition itself shows nothing to anyone).
    SELECT count(*), bool_or(NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.audit_id = a.id AND c.occurred_at = a.occurred_at))
      INTO counted, unsealed
      FROM audit_log a
     WHERE a.occurred_at >= part.lower_bound AND a.occurred_at < part.upper_bound;
    -- Months are dropped oldest first and only whole: an unsealed row stops the drop here.
    EXIT WHEN coalesce(unsealed, false);
    EXECUTE format('DROP TABLE %I', part.name);
    dropped := dropped || part.name::text;
    total := total + counted;
    boundary := part.upper_bound;
    partition_name := part.name;
    rows_retired := counted;
    RETURN NEXT;
  END LOOP;
  IF boundary IS NULL THEN
    RETURN;
  END IF;
  SELECT c.seq, c.chain_hash INTO head FROM audit_chain c WHERE c.occurred_at < boundary ORDER BY c.seq DESC LIMIT 1;
  INSERT INTO audit_checkpoints (kind, retired_before, through_seq, chain_hash, partitions, rows_retired)
    VALUES ('retention', boundary, head.seq, head.chain_hash, dropped, total);
  INSERT INTO audit_log (workspace_id, actor_type, actor_id, action, target_type, target_id, after, outcome)
    VALUES (NULL,
            CASE WHEN split_part(actor, ':', 1) IN ('admin', 'system') THEN split_part(actor, ':', 1) ELSE 'system' END,
            nullif(substr(actor, strpos(actor, ':') + 1), ''),
            'audit.retention', 'audit_log', NULL,
            jsonb_build_object('partitions', to_jsonb(dropped), 'rowsRetired', total, 'retiredBefore', boundary, 'throughSeq', head.seq),
            'success');
END $$;
REVOKE ALL ON FUNCTION audit_drop_partitions(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_drop_partitions(interval) TO ringfence_app;

-- Verification as before, except that a link whose row lies before the newest retention
-- checkpoint may have lost its row (its month was dropped): the link itself still chains.
CREATE OR REPLACE FUNCTION audit_verify(from_seq bigint)
  RETURNS TABLE (checked bigint, head_seq bigint, break_seq bigint, break_audit_id bigint, problem text)
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
#variable_conflict use_column
DECLARE
  expected_seq bigint := greatest(from_seq, 0) + 1;
  prev_hash bytea := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
  last_id bigint := 0;
  walked bigint := 0;
  retired_before timestamptz;
  retired_through bigint;
  retired_hash bytea;
  link record;
  stray bigint;
BEGIN
  IF NOT app_platform_access() THEN
    RAISE EXCEPTION 'audit_verify needs the platform setting' USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- The newest retention checkpoint: rows may be missing only up to its link, only before
  -- its boundary, and that link must still hash as the checkpoint recorded.
  SELECT k.retired_before, k.through_seq, k.chain_hash INTO retired_before, retired_through, retired_hash
    FROM audit_checkpoints k WHERE k.kind = 'retention' ORDER BY k.id DESC LIMIT 1;
  IF retired_through IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.seq = retired_through AND c.chain_hash = retired_hash) THEN
    RETURN QUERY SELECT 0::bigint, NULL::bigint, retired_through, NULL::bigint, 'retention checkpoint does not match the chain';
    RETURN;
  END IF;
  IF from_seq > 0 THEN
    SELECT c.chain_hash, c.audit_id INTO prev_hash, last_id FROM audit_chain c WHERE c.seq = from_seq;
    IF NOT FOUND THEN
      RETURN QUERY SELECT 0::bigint, NULL::bigint, from_seq, NULL::bigint, 'no chain link at the starting point';
      RETURN;
    END IF;
  END IF;
  FOR link IN
    SELECT c.seq, c.audit_id, c.occurred_at, c.row_hash, c.chain_hash, a AS entry
      FROM audit_chain c
      LEFT JOIN audit_log a ON a.id = c.audit_id AND a.occurred_at = c.occurred_at
     WHERE c.seq >= expected_seq
     ORDER BY c.seq
  LOOP
    IF link.seq <> expected_seq THEN
      RETURN QUERY SELECT walked, expected_seq - 1, expected_seq, NULL::bigint, 'chain link missing';
      RETURN;
    END IF;
    IF link.chain_hash <> sha256(prev_hash || link.row_hash) THEN
      RETURN QUERY SELECT walked, link.seq - 1, link.seq, link.audit_id, 'chain link altered';
      RETURN;
    END IF;
    IF (link.entry).id IS NULL THEN
      IF retired_before IS NULL OR link.occurred_at >= retired_before OR link.seq > retired_through THEN
        RETURN QUERY SELECT walked, link.seq - 1, link.seq, link.audit_id, 'row deleted';
        RETURN;
      END IF;
    ELSIF audit_row_hash(link.entry) <> link.row_hash THEN
      RETURN QUERY SELECT walked, link.seq - 1, link.seq, link.audit_id, 'row changed';
      RETURN;
    END IF;
    prev_hash := link.chain_hash;
    last_id := link.audit_id;
    walked := walked + 1;
    expected_seq := expected_seq + 1;
  END LOOP;
  -- A row is sealed when a link names its id and time: a second row reusing a sealed id is not.
  SELECT min(a.id) INTO stray FROM audit_log a
   WHERE a.id <= last_id AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.audit_id = a.id AND c.occurred_at = a.occurred_at);
  IF stray IS NOT NULL THEN
    RETURN QUERY SELECT walked, expected_seq - 1, NULL::bigint, stray, 'row inserted out of order';
    RETURN;
  END IF;
  RETURN QUERY SELECT walked, expected_seq - 1, NULL::bigint, NULL::bigint, NULL::text;
END $$;
