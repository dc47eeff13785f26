-- The cosigner (ring L3, docs/adr/0019): a workspace's policy versions, its transfer
-- intents, the provider's signing requests and their signed answers, the cap
-- reservations that make caps exact, and the domain events a decision announces.
--
-- Every table belongs to one workspace and one environment (a test key never sees a live
-- policy or transfer), goes with its workspace when the purge deletes it (ON DELETE
-- CASCADE: referential actions run as the table's owner and bypass row security), and is
-- read by admins on the platform path. What is decided is never rewritten: the app role
-- has UPDATE only on the columns a state change moves, and triggers hold the transitions,
-- for every role: rows are inserted in their first state, a transfer is decided by its own
-- provider only, and what a decision or a release recorded stays.

-- The provider a transaction acts for (`app.actor` = `provider:<name>`), or NULL.
CREATE FUNCTION app_provider() RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT CASE WHEN current_setting('app.actor', true) LIKE 'provider:%'
                    THEN substr(current_setting('app.actor', true), 10) END $$;

----------------------------------------------------------------------------------------
-- Policy versions: written once, then only their state moves (draft → active → retired,
-- or draft → discarded). One draft and one active version per workspace and environment.
CREATE TABLE policy_versions (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  environment   text NOT NULL CHECK (environment IN ('live', 'test')),
  version       integer NOT NULL CHECK (version > 0),
  -- The validated document (validatePolicy), as the engine reads it.
  document      jsonb NOT NULL CHECK (jsonb_typeof(document) = 'object' AND pg_column_size(document) <= 4194304),
  state         text NOT NULL CHECK (state IN ('draft', 'active', 'retired', 'discarded')),
  note          text CHECK (char_length(note) <= 500),
  created_at    timestamptz NOT NULL DEFAULT now(),
  created_by    text NOT NULL,
  activated_at  timestamptz,
  activated_by  text,
  retired_at    timestamptz,
  CONSTRAINT policy_versions_number_unique UNIQUE (workspace_id, environment, version),
  CONSTRAINT policy_versions_place_unique UNIQUE (id, workspace_id, environment),
  CONSTRAINT policy_versions_activation_whole CHECK ((activated_at IS NULL) = (activated_by IS NULL)),
  CONSTRAINT policy_versions_activated CHECK (state IN ('draft', 'discarded') OR activated_at IS NOT NULL)
);
CREATE UNIQUE INDEX policy_versions_one_active ON policy_versions (workspace_id, environment) WHERE state = 'active';
CREATE UNIQUE INDEX policy_versions_one_draft ON policy_versions (workspace_id, environment) WHERE state = 'draft';

CREATE FUNCTION policy_versions_guard_state() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF NOT ((OLD.state = 'draft' AND NEW.state IN ('active', 'discarded'))
          OR (OLD.state = 'active' AND NEW.state = 'retired')) THEN
    RAISE EXCEPTION 'a policy version goes draft → active → retired or draft → discarded (not % → %)', OLD.state, NEW.state
      USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.activated_at IS NOT NULL AND (NEW.activated_at IS DISTINCT FROM OLD.activated_at OR NEW.activated_by IS DISTINCT FROM OLD.activated_by) THEN
    RAISE EXCEPTION 'a version is activated once' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER policy_versions_guard_state BEFORE UPDATE ON policy_versions
  FOR EACH ROW EXECUTE FUNCTION policy_versions_guard_state();

-- A version is born a draft (as saveDraft writes it): only the moves above activate or end one.
CREATE FUNCTION policy_versions_guard_insert() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF NEW.state <> 'draft' OR NEW.activated_at IS NOT NULL OR NEW.activated_by IS NOT NULL OR NEW.retired_at IS NOT NULL THEN
    RAISE EXCEPTION 'a policy version is inserted as a draft, never activated or retired' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER policy_versions_guard_insert BEFORE INSERT ON policy_versions
  FOR EACH ROW EXECUTE FUNCTION policy_versions_guard_insert();

----------------------------------------------------------------------------------------
-- Transfer intents: what a workspace asked the provider to move. The provider's callback
-- finds its intent by external_tx_id (`<workspaceId>:<environment>:<idempotency key>`,
-- unique everywhere) and must ask for exactly this asset, amount and destination. The id is
-- in its own row's namespace (a check): the workspace and environment it names are the row's,
-- and a workspace never claims, or learns by a unique violation, an id of another's.
CREATE TABLE transfers (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id       uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  environment        text NOT NULL CHECK (environment IN ('live', 'test')),
  idempotency_key    text NOT NULL CHECK (char_length(idempotency_key) BETWEEN 1 AND 255),
  external_tx_id     text NOT NULL UNIQUE,
  provider           text NOT NULL CHECK (provider ~ '^[a-z][a-z0-9-]{0,31}$'),
  asset              text NOT NULL CHECK (char_length(asset) BETWEEN 1 AND 64),
  -- A plain decimal string (no sign or exponent), compared exactly, never as a float.
  amount             text NOT NULL CHECK (amount ~ '^(0|[1-9][0-9]*)(\.[0-9]+)?$' AND char_length(amount) <= 80),
  source             jsonb NOT NULL,
  destination        jsonb NOT NULL,
  note               text CHECK (char_length(note) <= 500),
  status             text NOT NULL CHECK (status IN ('submitted', 'pending', 'approved', 'rejected', 'failed')),
  provider_tx_id     text,
  policy_version_id  uuid,
  rule_name          text,
  reason             text,
  decided_at         timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  created_by         text NOT NULL,
  updated_at         timestamptz NOT NULL DEFAULT now(),
  version            integer NOT NULL DEFAULT 1,
  CONSTRAINT transfers_key_unique UNIQUE (workspace_id, environment, idempotency_key),
  CONSTRAINT transfers_external_tx_id_place CHECK (starts_with(external_tx_id, workspace_id::text || ':' || environment || ':')),
  CONSTRAINT transfers_place_unique UNIQUE (id, workspace_id, environment),
  -- A provider's request names a transfer of its own provider only (cosigner_requests' key).
  CONSTRAINT transfers_provider_place_unique UNIQUE (id, workspace_id, environment, provider),
  FOREIGN KEY (policy_version_id, workspace_id, environment) REFERENCES policy_versions (id, workspace_id, environment)
);
CREATE INDEX transfers_listing_idx ON transfers (workspace_id, environment, created_at DESC, id DESC);

-- A decided transfer stays decided (approved may still fail at the provider, which
-- releases its reservation); what was asked never changes. A decision is the cosigner's
-- alone: only a transaction of the transfer's own provider (its signed callback) approves or
-- rejects it, never a key, an admin or the system; a failure is its provider's or the
-- system's (a worker recording the provider's refusal). What a decision records (the
-- version, the rule, the time) is written with it, by that provider, and never again: nobody
-- writes one ahead of the cosigner's (which it would then refuse), and a decision recorded
-- stays. Its reason is written only as the status moves (decided, or failed: an approved
-- transfer failing says why); the provider's transaction id is set once. This holds past
-- row security too.
CREATE FUNCTION transfers_guard_status() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  actor constant text := coalesce(nullif(current_setting('app.actor', true), ''), 'no actor');
  moves constant boolean := NEW.status IS DISTINCT FROM OLD.status;
  by_provider constant boolean := app_provider() IS NOT DISTINCT FROM OLD.provider;
BEGIN
  IF OLD.status IN ('rejected', 'failed') AND moves THEN
    RAISE EXCEPTION 'a % transfer stays %', OLD.status, OLD.status USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.status = 'approved' AND NEW.status NOT IN ('approved', 'failed') THEN
    RAISE EXCEPTION 'an approved transfer may only fail' USING ERRCODE = 'check_violation';
  END IF;
  IF moves AND NEW.status IN ('approved', 'rejected') AND NOT by_provider THEN
    RAISE EXCEPTION 'only its provider decides a transfer (not %)', actor USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF moves AND NEW.status = 'failed' AND NOT (by_provider OR actor LIKE 'system:%') THEN
    RAISE EXCEPTION 'only its provider or the system fails a transfer (not %)', actor USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT (moves AND NEW.status IN ('approved', 'rejected'))
     AND (NEW.policy_version_id IS DISTINCT FROM OLD.policy_version_id OR NEW.rule_name IS DISTINCT FROM OLD.rule_name
          OR NEW.decided_at IS DISTINCT FROM OLD.decided_at) THEN
    RAISE EXCEPTION 'a transfer''s decision is written once, as its provider decides it' USING ERRCODE = 'check_violation';
  END IF;
  IF NOT (moves AND NEW.status IN ('approved', 'rejected', 'failed')) AND NEW.reason IS DISTINCT FROM OLD.reason THEN
    RAISE EXCEPTION 'a transfer''s reason is written only as it is decided or fails' USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.provider_tx_id IS NOT NULL AND NEW.provider_tx_id IS DISTINCT FROM OLD.provider_tx_id THEN
    RAISE EXCEPTION 'a transfer''s provider transaction id is set once' USING ERRCODE = 'check_violation';
  END IF;
  NEW.updated_at := now();
  NEW.version := OLD.version + 1;
  RETURN NEW;
END $$;
CREATE TRIGGER transfers_guard_status BEFORE UPDATE ON transfers
  FOR EACH ROW EXECUTE FUNCTION transfers_guard_status();

-- A transfer is born submitted (as POST /v1/transfers writes it): what the provider and the
-- cosigner record later (its transaction id, a decision, a failure) is never inserted with it.
CREATE FUNCTION transfers_guard_insert() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF NEW.status <> 'submitted' OR NEW.provider_tx_id IS NOT NULL OR NEW.policy_version_id IS NOT NULL OR NEW.rule_name IS NOT NULL
     OR NEW.reason IS NOT NULL OR NEW.decided_at IS NOT NULL THEN
    RAISE EXCEPTION 'a transfer is inserted submitted, with no decision or provider transaction' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER transfers_guard_insert BEFORE INSERT ON transfers
  FOR EACH ROW EXECUTE FUNCTION transfers_guard_insert();

----------------------------------------------------------------------------------------
-- The provider's signing requests, one row per (provider, request id): the dedupe. A final
-- answer is stored as the exact bytes sent and replayed verbatim; an open row is one whose
-- last answer was RETRY (a failure before the deadline), decided afresh on the next call.
-- A request naming no transfer of ours has no workspace: only its provider reads it. Its
-- provider may attribute an open one once (workspace and environment, then a transfer there).
CREATE TABLE cosigner_requests (
  provider           text NOT NULL CHECK (provider ~ '^[a-z][a-z0-9-]{0,31}$'),
  request_id         text NOT NULL CHECK (char_length(request_id) BETWEEN 1 AND 512),
  kind               text NOT NULL CHECK (kind IN ('tx_sign', 'config_change')),
  workspace_id       uuid REFERENCES workspaces (id) ON DELETE CASCADE,
  environment        text CHECK (environment IN ('live', 'test')),
  -- SHA-256 of the verified payload: a request id reused for other content is refused, never answered with another's answer.
  payload_sha256     bytea NOT NULL CHECK (octet_length(payload_sha256) = 32),
  transfer_id        uuid,
  first_seen_at      timestamptz NOT NULL DEFAULT now(),
  state              text NOT NULL CHECK (state IN ('open', 'final')),
  action             text CHECK (action IN ('APPROVE', 'REJECT', 'RETRY', 'IGNORE')),
  reason             text,
  policy_version_id  uuid,
  rule_name          text,
  -- The signed answer (compact JWS), exactly as sent.
  answer             text,
  decided_at         timestamptz,
  PRIMARY KEY (provider, request_id),
  CONSTRAINT cosigner_requests_place CHECK ((workspace_id IS NULL) = (environment IS NULL)),
  -- The foreign keys below check nothing of a row whose workspace is NULL (MATCH SIMPLE): an
  -- unattributed row names no transfer or version, which could otherwise be any workspace's.
  CONSTRAINT cosigner_requests_unattributed_bare CHECK (workspace_id IS NOT NULL OR (transfer_id IS NULL AND policy_version_id IS NULL)),
  CONSTRAINT cosigner_requests_final_whole CHECK (state = 'open' OR (action IN ('APPROVE', 'REJECT', 'IGNORE') AND answer IS NOT NULL AND decided_at IS NOT NULL)),
  FOREIGN KEY (transfer_id, workspace_id, environment, provider) REFERENCES transfers (id, workspace_id, environment, provider),
  FOREIGN KEY (policy_version_id, workspace_id, environment) REFERENCES policy_versions (id, workspace_id, environment)
);
CREATE INDEX cosigner_requests_transfer_idx ON cosigner_requests (transfer_id) WHERE transfer_id IS NOT NULL;

-- A final answer is final: its row never changes again. An attribution is made once: a row
-- with a workspace is never moved to another place or back to none (where its provider would
-- read it from any workspace), and the transfer it names is never replaced.
CREATE FUNCTION cosigner_requests_guard() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF OLD.state = 'final' THEN
    RAISE EXCEPTION 'a final cosigner answer never changes' USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.workspace_id IS NOT NULL
     AND (NEW.workspace_id IS DISTINCT FROM OLD.workspace_id OR NEW.environment IS DISTINCT FROM OLD.environment) THEN
    RAISE EXCEPTION 'a cosigner request attributed to a workspace stays there' USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.transfer_id IS NOT NULL AND NEW.transfer_id IS DISTINCT FROM OLD.transfer_id THEN
    RAISE EXCEPTION 'a cosigner request''s transfer, once named, stays' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER cosigner_requests_guard BEFORE UPDATE ON cosigner_requests
  FOR EACH ROW EXECUTE FUNCTION cosigner_requests_guard();

----------------------------------------------------------------------------------------
-- Cap reservations: what each approval under a windowed cap spent, per workspace,
-- environment, rule name and asset. Sums are numeric (exact). A reservation is released
-- (never deleted) when the provider fails or cancels the approved transfer.
CREATE TABLE cosigner_cap_reservations (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  environment   text NOT NULL CHECK (environment IN ('live', 'test')),
  rule_name     text NOT NULL,
  asset         text NOT NULL,
  -- Finite: numeric also holds NaN and ±Infinity, and NaN >= 0 is true (NaN sorts above
  -- every number); one such row would make its window's sum NaN or Infinity.
  amount        numeric NOT NULL CHECK (amount >= 0 AND amount < 'Infinity'),
  transfer_id   uuid NOT NULL,
  reserved_at   timestamptz NOT NULL DEFAULT now(),
  released_at   timestamptz,
  FOREIGN KEY (transfer_id, workspace_id, environment) REFERENCES transfers (id, workspace_id, environment)
);
CREATE INDEX cosigner_cap_window_idx ON cosigner_cap_reservations (workspace_id, environment, rule_name, asset, reserved_at)
  WHERE released_at IS NULL;

-- Released once: released_at goes from NULL to a time and stays (a reservation put back
-- into its window would spend the cap again; a moved time would rewrite when it left).
CREATE FUNCTION cosigner_cap_reservations_guard_release() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF OLD.released_at IS NOT NULL AND NEW.released_at IS DISTINCT FROM OLD.released_at THEN
    RAISE EXCEPTION 'a released reservation stays released, as it was' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER cosigner_cap_reservations_guard_release BEFORE UPDATE ON cosigner_cap_reservations
  FOR EACH ROW EXECUTE FUNCTION cosigner_cap_reservations_guard_release();

----------------------------------------------------------------------------------------
-- Domain events: what happened, written in the transaction that made it happen, for the
-- webhooks module (issue 16) to deliver. Appended only.
CREATE TABLE domain_events (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq           bigserial UNIQUE,
  workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  environment   text NOT NULL CHECK (environment IN ('live', 'test')),
  type          text NOT NULL CHECK (type ~ '^[a-z_]+(\.[a-z_]+)+$'),
  subject_id    text,
  payload       jsonb NOT NULL,
  occurred_at   timestamptz NOT NULL DEFAULT now()
);

----------------------------------------------------------------------------------------
-- Row-level security: a workspace's own rows of its own environment (the settings read
-- once per statement, as InitPlans); the platform path (admins, workers) reads them all.
-- A provider's transaction is in the workspace its signed callback names: of the transfers
-- there it sees and writes its own provider's only, as it does requests, and it reads the
-- workspace's policy versions but never writes one (keys and admins do). It reads every
-- reservation of the workspace (a cap's window counts them all), and reserves and releases
-- for its own transfers only (the subquery reads transfers under their own policy).
ALTER TABLE policy_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE policy_versions FORCE ROW LEVEL SECURITY;
ALTER TABLE transfers ENABLE ROW LEVEL SECURITY;
ALTER TABLE transfers FORCE ROW LEVEL SECURITY;
ALTER TABLE cosigner_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE cosigner_requests FORCE ROW LEVEL SECURITY;
ALTER TABLE cosigner_cap_reservations ENABLE ROW LEVEL SECURITY;
ALTER TABLE cosigner_cap_reservations FORCE ROW LEVEL SECURITY;
ALTER TABLE domain_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE domain_events FORCE ROW LEVEL SECURITY;

CREATE POLICY policy_versions_tenant ON policy_versions
  USING ((workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment())))
  WITH CHECK ((workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment())) AND (SELECT app_provider()) IS NULL);
CREATE POLICY policy_versions_platform ON policy_versions
  USING ((SELECT app_platform_access())) WITH CHECK ((SELECT app_platform_access()));

CREATE POLICY transfers_tenant ON transfers
  USING ((workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment()))
         AND ((SELECT app_provider()) IS NULL OR provider = (SELECT app_provider())))
  WITH CHECK ((workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment()))
              AND ((SELECT app_provider()) IS NULL OR provider = (SELECT app_provider())));
CREATE POLICY transfers_platform_read ON transfers FOR SELECT
  USING ((SELECT app_platform_access()));

CREATE POLICY cosigner_requests_tenant ON cosigner_requests
  USING ((workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment())) AND provider = (SELECT app_provider()))
  WITH CHECK ((workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment())) AND provider = (SELECT app_provider()));
CREATE POLICY cosigner_requests_unattributed ON cosigner_requests
  USING (workspace_id IS NULL AND provider = (SELECT app_provider()))
  WITH CHECK (workspace_id IS NULL AND provider = (SELECT app_provider()));
CREATE POLICY cosigner_requests_platform_read ON cosigner_requests FOR SELECT
  USING ((SELECT app_platform_access()));

CREATE POLICY cosigner_cap_reservations_tenant_read ON cosigner_cap_reservations FOR SELECT
  USING ((workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment())));
CREATE POLICY cosigner_cap_reservations_tenant_reserve ON cosigner_cap_reservations FOR INSERT
  WITH CHECK ((workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment()))
              AND ((SELECT app_provider()) IS NULL OR EXISTS (SELECT 1 FROM transfers t WHERE t.id = cosigner_cap_reservations.transfer_id)));
CREATE POLICY cosigner_cap_reservations_tenant_release ON cosigner_cap_reservations FOR UPDATE
  USING ((workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment()))
         AND ((SELECT app_provider()) IS NULL OR EXISTS (SELECT 1 FROM transfers t WHERE t.id = cosigner_cap_reservations.transfer_id)))
  WITH CHECK ((workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment()))
              AND ((SELECT app_provider()) IS NULL OR EXISTS (SELECT 1 FROM transfers t WHERE t.id = cosigner_cap_reservations.transfer_id)));
CREATE POLICY cosigner_cap_reservations_platform_read ON cosigner_cap_reservations FOR SELECT
  USING ((SELECT app_platform_access()));

CREATE POLICY domain_events_tenant_append ON domain_events FOR INSERT
  WITH CHECK ((workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment())) OR (SELECT app_platform_access()));
CREATE POLICY domain_events_platform_read ON domain_events FOR SELECT
  USING ((SELECT app_platform_access()));

GRANT SELECT, INSERT ON policy_versions, transfers, cosigner_requests, cosigner_cap_reservations TO ringfence_app;
GRANT UPDATE (state, activated_at, activated_by, retired_at) ON policy_versions TO ringfence_app;
GRANT UPDATE (status, provider_tx_id, policy_version_id, rule_name, reason, decided_at) ON transfers TO ringfence_app;
GRANT UPDATE (workspace_id, environment, transfer_id, state, action, reason, policy_version_id, rule_name, answer, decided_at) ON cosigner_requests TO ringfence_app;
GRANT UPDATE (released_at) ON cosigner_cap_reservations TO ringfence_app;
GRANT INSERT (workspace_id, environment, type, subject_id, payload) ON domain_events TO ringfence_app;
GRANT SELECT ON domain_events TO ringfence_app;
GRANT USAGE ON SEQUENCE domain_events_seq_seq TO ringfence_app;
