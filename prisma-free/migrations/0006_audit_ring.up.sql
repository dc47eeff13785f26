-- The audit ring (issue 5): audit_log partitioned by month, still append-only for every
-- role, a hash chain kept beside it (audit_chain) by a sealer that links committed rows
-- in id order after the fact, so writers never wait on one another, and retention by
-- whole months with checkpoints that verification honours.

-- 1. audit_log, partitioned by month of occurred_at. The rows so far move across.
ALTER TABLE audit_log RENAME TO audit_log_v1;
ALTER INDEX audit_log_workspace_id_idx RENAME TO audit_log_v1_workspace_id_idx;
ALTER INDEX audit_log_occurred_at_idx RENAME TO audit_log_v1_occurred_at_idx;

CREATE SEQUENCE audit_event_id_seq AS bigint;
CREATE TABLE audit_log (
  id            bigint NOT NULL DEFAULT nextval('audit_event_id_seq'),
  occurred_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- No foreign key: the evidence outlives the workspace it speaks of.
  workspace_id  uuid,
  actor_type    text NOT NULL CHECK (actor_type IN ('admin', 'api_key', 'provider', 'system', 'anonymous')),
  actor_id      text,
  action        text NOT NULL CHECK (action ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
  target_type   text,
  target_id     text,
  before        jsonb,
  after         jsonb,
  outcome       text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
  reason        text,
  client_ip     inet,
  user_agent    text,
  request_id    text,
  -- The acting key's environment; NULL (admins, the system) counts as live.
  environment   text CHECK (environment IN ('live', 'test')),
  PRIMARY KEY (id, occurred_at)
) PARTITION BY RANGE (occurred_at);
ALTER SEQUENCE audit_event_id_seq OWNED BY audit_log.id;
-- The auditors' view: newest first by id, filtered by workspace, action, actor, target.
CREATE INDEX audit_log_workspace_idx ON audit_log (workspace_id, id);
CREATE INDEX audit_log_workspace_action_idx ON audit_log (workspace_id, action text_pattern_ops, id);
CREATE INDEX audit_log_action_idx ON audit_log (action text_pattern_ops, id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_type, actor_id, id);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id, id);
CREATE INDEX audit_log_occurred_at_idx ON audit_log (occurred_at);

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
-- The settings are read once per query (a sub-select is an InitPlan), not once per row:
-- over a million rows the per-row form made every filtered page a scan.
-- A key reads its own workspace's rows of its own environment: test never sees live.
CREATE POLICY audit_log_tenant_read ON audit_log FOR SELECT
  USING (workspace_id = (SELECT app_workspace_id()) AND coalesce(environment, 'live') = coalesce((SELECT app_environment()), 'live'));
CREATE POLICY audit_log_platform_read ON audit_log FOR SELECT
  USING ((SELECT app_platform_access()));
CREATE POLICY audit_log_append ON audit_log FOR INSERT
  WITH CHECK (workspace_id IS NULL OR workspace_id = (SELECT app_workspace_id()) OR (SELECT app_platform_access()));
-- INSERT on the described columns only: the id and the time are the database's
-- (sequence, clock), so the app role can neither reuse a sealed id nor date a row.
GRANT SELECT ON audit_log TO ringfence_app;
GRANT INSERT (workspace_id, actor_type, actor_id, action, target_type, target_id, before, after, outcome, reason, client_ip, user_agent, request_id, environment)
  ON audit_log TO ringfence_app;
GRANT USAGE ON SEQUENCE audit_event_id_seq TO ringfence_app;

-- Row triggers on the parent reach every partition; TRUNCATE triggers do not, so each
-- partition gets its own (audit_ensure_partitions).
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- Monthly partitions from `from_month` to `months_ahead` months past the current one.
-- Run by the migration and by the sealer: an insert with no partition fails, and so
-- does the mutation it audits (fail closed), so partitions are made well ahead.
CREATE FUNCTION audit_ensure_partitions(from_month date, months_ahead integer)
  RETURNS integer
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = public, pg_temp
  -- Month bounds in UTC whoever calls: two callers in different zones must agree.
  SET TimeZone = 'UTC'
  -- DDL on audit_log must never queue (and so hold up every audit insert) behind a long reader.
  SET lock_timeout = '2s'
  AS $$
DECLARE
  month date := date_trunc('month', from_month)::date;
  last date := (date_trunc('month', now()) + make_interval(months => greatest(months_ahead, 0)))::date;
  name text;
  made integer := 0;
BEGIN
  IF NOT app_platform_access() THEN
    RAISE EXCEPTION 'audit_ensure_partitions needs the platform setting' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF months_ahead > 12 OR from_month < (now() - interval '10 years')::date THEN
    RAISE EXCEPTION 'audit partitions: at most 12 months ahead, at most 10 years back' USING ERRCODE = 'check_violation';
  END IF;
  WHILE month <= last LOOP
    name := format('audit_log_y%sm%s', to_char(month, 'YYYY'), to_char(month, 'MM'));
    IF to_regclass(name) IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF audit_log FOR VALUES FROM (%L) TO (%L)', name, month, (month + interval '1 month')::date);
      EXECUTE format('CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()', name);
      -- Reached through audit_log only (its policies apply there); directly, nothing at all.
      EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', name);
      EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', name);
      made := made + 1;
    END IF;
    month := (month + interval '1 month')::date;
  END LOOP;
  RETURN made;
END $$;
REVOKE ALL ON FUNCTION audit_ensure_partitions(date, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_ensure_partitions(date, integer) TO ringfence_app;

SELECT set_config('app.platform', 'on', true);
SELECT audit_ensure_partitions(coalesce((SELECT min(occurred_at) FROM audit_log_v1), now())::date, 3);
-- Rows written by a key take its environment (for rows written before environments were recorded).
INSERT INTO audit_log (id, occurred_at, workspace_id, actor_type, actor_id, action, target_type, target_id, before, after, outcome, reason, client_ip, user_agent, request_id, environment)
  SELECT v.id, v.occurred_at, v.workspace_id, v.actor_type, v.actor_id, v.action, v.target_type, v.target_id, v.before, v.after, v.outcome, v.reason,
         v.client_ip, v.user_agent, v.request_id,
         CASE WHEN v.actor_type = 'api_key' THEN (SELECT k.environment FROM api_keys k WHERE k.key_id = v.actor_id) END
    FROM audit_log_v1 v;
SELECT setval('audit_event_id_seq', coalesce((SELECT max(id) FROM audit_log_v1), 0) + 1, false);
DROP TABLE audit_log_v1;

-- 2. The hash chain. A row's hash covers its canonical content; a chain link covers the
-- previous link and the row's hash. Links are made only by audit_seal (owner rights),
-- in id order, for rows older than a settle delay (every audit insert commits within
-- milliseconds of being made); nobody may change or remove a link.
CREATE FUNCTION audit_row_hash(r audit_log) RETURNS bytea
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$
    -- before/after are wrapped so that SQL NULL (no value) and JSON null hash differently.
    SELECT sha256(convert_to(jsonb_build_array(
      r.id, (extract(epoch FROM r.occurred_at) * 1000000)::bigint, r.workspace_id, r.actor_type, r.actor_id, r.action,
      r.target_type, r.target_id,
      CASE WHEN r.before IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(r.before) END,
      CASE WHEN r.after IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(r.after) END, r.outcome, r.reason, r.client_ip::text, r.user_agent,
      r.request_id, r.environment
    )::text, 'UTF8'))
  $$;

CREATE TABLE audit_chain (
  seq          bigint PRIMARY KEY CHECK (seq > 0),
  audit_id     bigint NOT NULL UNIQUE,
  occurred_at  timestamptz NOT NULL,
  row_hash     bytea NOT NULL CHECK (octet_length(row_hash) = 32),
  chain_hash   bytea NOT NULL CHECK (octet_length(chain_hash) = 32),
  sealed_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_chain_occurred_at_idx ON audit_chain (occurred_at);
ALTER TABLE audit_chain ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_chain FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_chain_platform ON audit_chain
  USING (app_platform_access())
  WITH CHECK (app_platform_access());
GRANT SELECT ON audit_chain TO ringfence_app;
CREATE TRIGGER audit_chain_no_update_delete BEFORE UPDATE OR DELETE ON audit_chain
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

CREATE FUNCTION audit_seal(batch integer, settle interval)
  RETURNS TABLE (sealed integer, head_seq bigint, head_hash bytea)
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
#variable_conflict use_column
DECLARE
  last_seq bigint := 0;
  last_hash bytea := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
  last_id bigint := 0;
  row_digest bytea;
  made integer := 0;
  r audit_log;
BEGIN
  IF NOT app_platform_access() THEN
    RAISE EXCEPTION 'audit_seal needs the platform setting' USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- One sealer at a time; writers never take this lock.
  PERFORM pg_advisory_xact_lock(7243120573915510017);
  SELECT c.seq, c.chain_hash, c.audit_id INTO last_seq, last_hash, last_id FROM audit_chain c ORDER BY c.seq DESC LIMIT 1;
  IF NOT FOUND THEN
    last_seq := 0;
    last_hash := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
    last_id := 0;
  END IF;
  FOR r IN
    SELECT * FROM audit_log a WHERE a.id > last_id ORDER BY a.id LIMIT greatest(batch, 0)
  LOOP
    -- Only a settled prefix: a young row stops the run (a row with a higher id and an older
    -- time, say one written with an explicit time, must not seal past it).
    EXIT WHEN r.occurred_at >= clock_timestamp() - settle;
    row_digest := audit_row_hash(r);
    last_seq := last_seq + 1;
    last_hash := sha256(last_hash || row_digest);
    INSERT INTO audit_chain (seq, audit_id, occurred_at, row_hash, chain_hash) VALUES (last_seq, r.id, r.occurred_at, row_digest, last_hash);
    made := made + 1;
  END LOOP;
  RETURN QUERY SELECT made, last_seq, last_hash;
END $$;
REVOKE ALL ON FUNCTION audit_seal(integer, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_seal(integer, interval) TO ringfence_app;

-- 3. Retention of the audit log: whole months older than the retention period are dropped,
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

-- The first break in the chain from `from_seq` on, or none: a link missing or altered, a
-- sealed row changed or deleted, or a row that appeared behind the sealed head (inserted
-- out of order). `checked` counts the links walked.
-- A link whose row lies before the newest retention checkpoint (and up to its link) may
-- have lost its row: its month was dropped, and the link itself still chains.
CREATE FUNCTION audit_verify(from_seq bigint)
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

REVOKE ALL ON FUNCTION audit_verify(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_verify(bigint) TO ringfence_app;
