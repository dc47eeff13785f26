-- Outbound webhooks (docs/adr/0021-webhook-delivery.md): a workspace's endpoints, one
-- delivery row per event and subscribed endpoint, and each delivery's attempts.
--
-- A delivery is born in the transaction of the change it announces: the trigger below fans
-- a domain event (migration 0011, appended by the change itself) out to every endpoint of
-- its workspace and environment that subscribes to its type. A rolled-back change leaves
-- neither event nor delivery; a committed one leaves both, whatever happens to the process
-- after COMMIT. Workers claim due deliveries through the outbox (ADR 0012: a lease and a
-- token, compare-and-set on the token) on the platform path.

CREATE TABLE webhook_endpoints (
  id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id                uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  environment                 text NOT NULL CHECK (environment IN ('live', 'test')),
  -- Checked by the SSRF guard on every write and again at every delivery.
  url                         text NOT NULL CHECK (length(url) BETWEEN 8 AND 2048),
  description                 text CHECK (length(description) <= 500),
  -- The catalogue's types, or '*' alone for every type.
  event_types                 text[] NOT NULL CHECK (cardinality(event_types) BETWEEN 1 AND 64),
  enabled                     boolean NOT NULL DEFAULT true,
  -- Why it is disabled: by a person, by a 410 Gone, or by five days of failures.
  disabled_reason             text CHECK (disabled_reason IN ('manual', 'gone', 'failing')),
  disabled_at                 timestamptz,
  -- The signing secret (`whsec_…`), sealed under the master keyring; its AAD binds the
  -- workspace, environment, endpoint and secret version. Never in a response but once.
  sealed_secret               bytea NOT NULL,
  secret_version              integer NOT NULL DEFAULT 1 CHECK (secret_version >= 1),
  -- After a rotation: the secret before it, signing beside the new one until it expires.
  sealed_previous_secret      bytea,
  previous_secret_expires_at  timestamptz,
  -- The first failed attempt since the last success; NULL while the endpoint succeeds.
  failing_since               timestamptz,
  last_success_at             timestamptz,
  -- Bumped by every change: writers compare and set on it.
  version                     integer NOT NULL DEFAULT 1,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  updated_at                  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT webhook_endpoints_disabled_whole CHECK (enabled = (disabled_reason IS NULL) AND (disabled_reason IS NULL) = (disabled_at IS NULL)),
  CONSTRAINT webhook_endpoints_previous_whole CHECK ((sealed_previous_secret IS NULL) = (previous_secret_expires_at IS NULL)),
  CONSTRAINT webhook_endpoints_previous_has_version CHECK (sealed_previous_secret IS NULL OR secret_version >= 2)
);
CREATE INDEX webhook_endpoints_owner ON webhook_endpoints (workspace_id, environment, created_at);

CREATE TABLE webhook_deliveries (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  endpoint_id      uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  workspace_id     uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  environment      text NOT NULL CHECK (environment IN ('live', 'test')),
  -- The event announced: its id is the message's `webhook-id` (`msg_` + hex), the same on
  -- every attempt, every endpoint and every replay.
  event_id         uuid NOT NULL REFERENCES domain_events (id) ON DELETE CASCADE,
  event_type       text NOT NULL,
  occurred_at      timestamptz NOT NULL,
  payload          jsonb NOT NULL,
  -- The delivery this one sends again (a replay or a recovery); NULL for the first.
  replay_of        uuid REFERENCES webhook_deliveries (id) ON DELETE SET NULL,
  -- The outbox's columns (ADR 0012).
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
  attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  claimed_until    timestamptz,
  lease_token      uuid,
  finished_at      timestamptz,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT webhook_deliveries_lease_whole CHECK ((claimed_until IS NULL) = (lease_token IS NULL)),
  CONSTRAINT webhook_deliveries_finished CHECK ((status = 'pending') = (finished_at IS NULL) AND (status = 'pending' OR lease_token IS NULL))
);
-- Claims: an endpoint's due rows, oldest first.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (endpoint_id, next_attempt_at) WHERE status = 'pending';
-- Listing: a workspace's newest first; recovery: an endpoint's failures since a time.
CREATE INDEX webhook_deliveries_owner ON webhook_deliveries (workspace_id, environment, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_failed ON webhook_deliveries (endpoint_id, created_at) WHERE status = 'failed';
CREATE INDEX webhook_deliveries_replays ON webhook_deliveries (replay_of) WHERE replay_of IS NOT NULL;

CREATE TABLE webhook_delivery_attempts (
  delivery_id    uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempt        integer NOT NULL CHECK (attempt >= 1),
  workspace_id   uuid NOT NULL,
  environment    text NOT NULL CHECK (environment IN ('live', 'test')),
  started_at     timestamptz NOT NULL,
  latency_ms     integer NOT NULL CHECK (latency_ms >= 0),
  status_code    smallint CHECK (status_code BETWEEN 100 AND 599),
  -- What the endpoint answered, cut at 64 KiB (the delivery client reads no more).
  response_body  text CHECK (octet_length(response_body) <= 65536),
  truncated      boolean NOT NULL DEFAULT false,
  -- A class (`timeout`, `connect`, `redirect`, `http_500`, `refused:…`), never a message.
  error_class    text CHECK (error_class ~ '^[a-z0-9_:]{1,64}$'),
  PRIMARY KEY (delivery_id, attempt)
);

-- The fan-out: every endpoint of the event's workspace and environment that subscribes to
-- its type gets a delivery, in the event's own transaction and under the caller's row-level
-- security (it sees its own workspace's endpoints only). A disabled endpoint gets its
-- delivery already failed (endpoint_disabled), so that recovering the endpoint sends what
-- it missed. `webhook.test` goes only to the endpoint it names (its subject), if enabled.
CREATE FUNCTION webhook_deliveries_fan_out() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.type = 'webhook.test' THEN
    INSERT INTO webhook_deliveries (endpoint_id, workspace_id, environment, event_id, event_type, occurred_at, payload)
    SELECT e.id, NEW.workspace_id, NEW.environment, NEW.id, NEW.type, NEW.occurred_at, NEW.payload
      FROM webhook_endpoints e
     WHERE e.id::text = NEW.subject_id AND e.workspace_id = NEW.workspace_id AND e.environment = NEW.environment AND e.enabled;
    RETURN NULL;
  END IF;
  INSERT INTO webhook_deliveries (endpoint_id, workspace_id, environment, event_id, event_type, occurred_at, payload,
                                  status, finished_at, last_error)
  SELECT e.id, NEW.workspace_id, NEW.environment, NEW.id, NEW.type, NEW.occurred_at, NEW.payload,
         CASE WHEN e.enabled THEN 'pending' ELSE 'failed' END,
         CASE WHEN e.enabled THEN NULL ELSE now() END,
         CASE WHEN e.enabled THEN NULL ELSE 'endpoint_disabled' END
    FROM webhook_endpoints e
   WHERE e.workspace_id = NEW.workspace_id AND e.environment = NEW.environment
     AND (NEW.type = ANY (e.event_types) OR '*' = ANY (e.event_types));
  RETURN NULL;
END $$;
CREATE TRIGGER webhook_deliveries_fan_out AFTER INSERT ON domain_events
  FOR EACH ROW EXECUTE FUNCTION webhook_deliveries_fan_out();

-- A finished delivery is history: it never moves again (a replay is a new row), and its
-- event, endpoint and payload never change.
CREATE FUNCTION webhook_deliveries_guard() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status <> 'pending' THEN
    RAISE EXCEPTION 'a % delivery is history', OLD.status USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER webhook_deliveries_guard BEFORE UPDATE ON webhook_deliveries
  FOR EACH ROW EXECUTE FUNCTION webhook_deliveries_guard();

ALTER TABLE webhook_endpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_endpoints FORCE ROW LEVEL SECURITY;
ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_deliveries FORCE ROW LEVEL SECURITY;
ALTER TABLE webhook_delivery_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_delivery_attempts FORCE ROW LEVEL SECURITY;

-- A workspace's keys manage its endpoints of their environment; a provider's transaction
-- (the cosigner deciding in a workspace) reads them for the fan-out and writes none.
CREATE POLICY webhook_endpoints_tenant_read ON webhook_endpoints FOR SELECT
  USING (workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment()));
CREATE POLICY webhook_endpoints_tenant_write ON webhook_endpoints
  USING (workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment()) AND (SELECT app_provider()) IS NULL)
  WITH CHECK (workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment()) AND (SELECT app_provider()) IS NULL);
CREATE POLICY webhook_endpoints_platform ON webhook_endpoints
  USING ((SELECT app_platform_access())) WITH CHECK ((SELECT app_platform_access()));

-- Deliveries are born by the fan-out (whoever appended the event) or a replay; only the
-- platform path (the workers, an admin) moves one.
CREATE POLICY webhook_deliveries_tenant_read ON webhook_deliveries FOR SELECT
  USING (workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment()));
CREATE POLICY webhook_deliveries_tenant_insert ON webhook_deliveries FOR INSERT
  WITH CHECK (workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment())
              AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = webhook_deliveries.endpoint_id));
CREATE POLICY webhook_deliveries_platform ON webhook_deliveries
  USING ((SELECT app_platform_access())) WITH CHECK ((SELECT app_platform_access()));

CREATE POLICY webhook_delivery_attempts_tenant_read ON webhook_delivery_attempts FOR SELECT
  USING (workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment()));
CREATE POLICY webhook_delivery_attempts_platform_read ON webhook_delivery_attempts FOR SELECT
  USING ((SELECT app_platform_access()));
CREATE POLICY webhook_delivery_attempts_platform_insert ON webhook_delivery_attempts FOR INSERT
  WITH CHECK ((SELECT app_platform_access()));

GRANT SELECT, INSERT, DELETE ON webhook_endpoints TO ringfence_app;
GRANT UPDATE (url, description, event_types, enabled, disabled_reason, disabled_at, sealed_secret, secret_version,
              sealed_previous_secret, previous_secret_expires_at, failing_since, last_success_at, version, updated_at)
  ON webhook_endpoints TO ringfence_app;
GRANT SELECT, INSERT ON webhook_deliveries TO ringfence_app;
GRANT UPDATE (status, attempts, next_attempt_at, claimed_until, lease_token, finished_at, last_error) ON webhook_deliveries TO ringfence_app;
GRANT SELECT, INSERT ON webhook_delivery_attempts TO ringfence_app;
