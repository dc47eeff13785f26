-- Back to 0006's verification (no retention checkpoints).
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
  link record;
  stray bigint;
BEGIN
  IF NOT app_platform_access() THEN
    RAISE EXCEPTION 'audit_verify needs the platform setting' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF from_seq > 0 THEN
    SELECT c.chain_hash, c.audit_id INTO prev_hash, last_id FROM audit_chain c WHERE c.seq = from_seq;
    IF NOT FOUND THEN
      RETURN QUERY SELECT 0::bigint, NULL::bigint, from_seq, NULL::bigint, 'no chain link at the starting point';
      RETURN;
    END IF;
  END IF;
  FOR link IN
    SELECT c.seq, c.audit_id, c.row_hash, c.chain_hash, a AS entry
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
      RETURN QUERY SELECT walked, link.seq - 1, link.seq, link.audit_id, 'row deleted';
      RETURN;
    END IF;
    IF audit_row_hash(link.entry) <> link.row_hash THEN
      RETURN QUERY SELECT walked, link.seq - 1, link.seq, link.audit_id, 'row changed';
      RETURN;
    END IF;
    prev_hash := link.chain_hash;
    last_id := link.audit_id;
    walked := walked + 1;
    expected_seq := expected_seq + 1;
  END LOOP;
  SELECT min(a.id) INTO stray FROM audit_log a
   WHERE a.id < last_id AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.audit_id = a.id);
  IF stray IS NOT NULL THEN
    RETURN QUERY SELECT walked, expected_seq - 1, NULL::bigint, stray, 'row inserted out of order';
    RETURN;
  END IF;
  RETURN QUERY SELECT walked, expected_seq - 1, NULL::bigint, NULL::bigint, NULL::text;
END $$;
DROP FUNCTION audit_drop_partitions(interval);
DROP TABLE audit_checkpoints;
