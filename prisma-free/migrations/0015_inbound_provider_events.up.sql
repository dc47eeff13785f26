-- Inbound provider events (issue 16, docs/adr/0022): a custody provider tells us what became
-- of a transaction (completed, failed, cancelled, rejected at the provider) through a signed
-- webhook, `POST /v1/inbound/:provider/webhooks`. The transfer's life gains two final states,
-- and every event a provider delivered is remembered by its id, so that a delivery seen twice
-- (a provider's retry, a replayed capture) is processed once, on any replica.

-- A transfer's states: `completed` (the provider signed and broadcast it: only an approved
-- transfer does) and `cancelled` (the provider cancelled it). A rejection at the provider of a
-- transfer not yet decided is `rejected` (its reason says by whom); of an approved one, `failed`.
ALTER TABLE transfers DROP CONSTRAINT transfers_status_check;
ALTER TABLE transfers ADD CONSTRAINT transfers_status_check
  CHECK (status IN ('submitted', 'pending', 'approved', 'rejected', 'failed', 'completed', 'cancelled'));

-- 0011's guarantees, kept, with the two new states: a final state (rejected, failed, completed,
-- cancelled) stays; an approved transfer may only complete, fail or be cancelled; only an
-- approved transfer completes; only its own provider approves, rejects, completes or cancels
-- a transfer, and only its provider or the system fails one. What a decision records is
-- written with it and never again; a reason only as the status moves to a state that has one
-- (a completion keeps the decision's); the provider's transaction id once.
CREATE OR REPLACE FUNCTION transfers_guard_status() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  actor constant text := coalesce(nullif(current_setting('app.actor', true), ''), 'no actor');
  moves constant boolean := NEW.status IS DISTINCT FROM OLD.status;
  by_provider constant boolean := app_provider() IS NOT DISTINCT FROM OLD.provider;
BEGIN
  IF OLD.status IN ('rejected', 'failed', 'completed', 'cancelled') AND moves THEN
    RAISE EXCEPTION 'a % transfer stays %', OLD.status, OLD.status USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.status = 'approved' AND NEW.status NOT IN ('approved', 'failed', 'completed', 'cancelled') THEN
    RAISE EXCEPTION 'an approved transfer may only fail, complete or be cancelled' USING ERRCODE = 'check_violation';
  END IF;
  IF moves AND NEW.status = 'completed' AND OLD.status <> 'approved' THEN
    RAISE EXCEPTION 'only an approved transfer completes (not a % one)', OLD.status USING ERRCODE = 'check_violation';
  END IF;
  IF moves AND NEW.status IN ('approved', 'rejected') AND NOT by_provider THEN
    RAISE EXCEPTION 'only its provider decides a transfer (not %)', actor USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF moves AND NEW.status IN ('completed', 'cancelled') AND NOT by_provider THEN
    RAISE EXCEPTION 'only its provider completes or cancels a transfer (not %)', actor USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF moves AND NEW.status = 'failed' AND NOT (by_provider OR actor LIKE 'system:%') THEN
    RAISE EXCEPTION 'only its provider or the system fails a transfer (not %)', actor USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT (moves AND NEW.status IN ('approved', 'rejected'))
     AND (NEW.policy_version_id IS DISTINCT FROM OLD.policy_version_id OR NEW.rule_name IS DISTINCT FROM OLD.rule_name
          OR NEW.decided_at IS DISTINCT FROM OLD.decided_at) THEN
    RAISE EXCEPTION 'a transfer''s decision is written once, as its provider decides it' USING ERRCODE = 'check_violation';
  END IF;
  IF NOT (moves AND NEW.status IN ('approved', 'rejected', 'failed', 'cancelled')) AND NEW.reason IS DISTINCT FROM OLD.reason THEN
    RAISE EXCEPTION 'a transfer''s reason is written only as it is decided or fails, or is cancelled' USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.provider_tx_id IS NOT NULL AND NEW.provider_tx_id IS DISTINCT FROM OLD.provider_tx_id THEN
    RAISE EXCEPTION 'a transfer''s provider transaction id is set once' USING ERRCODE = 'check_violation';
  END IF;
  NEW.updated_at := now();
  NEW.version := OLD.version + 1;
  RETURN NEW;
END $$;

----------------------------------------------------------------------------------------
-- Every event a provider delivered, by the provider's id for it (a Standard Webhooks
-- `webhook-id`; for Fireblocks, which sends none, the SHA-256 of the signed bytes): inserted
-- in the transaction that processes the event, so a second delivery finds it (or waits on the
-- first's commit) and is answered 200 with nothing done. An event about no transfer of ours is
-- remembered too. The row names no workspace: only its provider reads it (and the platform).
-- Purged after INBOUND_EVENT_RETENTION_HOURS by the inbound-events-purge job; a replay older
-- than that still moves nothing (a final state stays, and a Standard Webhooks message that
-- old is refused for its timestamp).
CREATE TABLE inbound_provider_events (
  provider     text NOT NULL CHECK (provider ~ '^[a-z][a-z0-9-]{0,31}$'),
  event_id     text NOT NULL CHECK (char_length(event_id) BETWEEN 1 AND 256),
  received_at  timestamptz NOT NULL DEFAULT now(),
  -- What the event did: moved a transfer, found it already there (or past it), named no transfer of ours, or was of no interest.
  outcome      text NOT NULL CHECK (outcome IN ('received', 'applied', 'unchanged', 'unknown_transaction', 'ignored')),
  PRIMARY KEY (provider, event_id)
);
CREATE INDEX inbound_provider_events_age ON inbound_provider_events (received_at);

CREATE FUNCTION app_inbound_events_purge() RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT app_platform_access() AND coalesce(current_setting('app.actor', true), '') = 'system:inbound-events-purge' $$;

ALTER TABLE inbound_provider_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE inbound_provider_events FORCE ROW LEVEL SECURITY;
-- Its provider reads, remembers and settles its own events, and never forgets one (no DELETE:
-- only the purge job deletes, so a provider's transaction cannot clear the way for a replay).
CREATE POLICY inbound_provider_events_provider_read ON inbound_provider_events FOR SELECT
  USING (provider = (SELECT app_provider()));
CREATE POLICY inbound_provider_events_provider_insert ON inbound_provider_events FOR INSERT
  WITH CHECK (provider = (SELECT app_provider()));
CREATE POLICY inbound_provider_events_provider_settle ON inbound_provider_events FOR UPDATE
  USING (provider = (SELECT app_provider())) WITH CHECK (provider = (SELECT app_provider()));
CREATE POLICY inbound_provider_events_platform_read ON inbound_provider_events FOR SELECT
  USING ((SELECT app_platform_access()));
CREATE POLICY inbound_provider_events_purge ON inbound_provider_events FOR DELETE
  USING ((SELECT app_inbound_events_purge()));

GRANT SELECT, INSERT, DELETE ON inbound_provider_events TO ringfence_app;
GRANT UPDATE (outcome) ON inbound_provider_events TO ringfence_app;
