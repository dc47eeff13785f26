-- Refused (the CHECK below fails) while a transfer is completed or cancelled: 0011's states cannot hold them.
DROP TABLE inbound_provider_events;
DROP FUNCTION app_inbound_events_purge();

CREATE OR REPLACE FUNCTION transfers_guard_status() RETURNS trigger
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

ALTER TABLE transfers DROP CONSTRAINT transfers_status_check;
ALTER TABLE transfers ADD CONSTRAINT transfers_status_check CHECK (status IN ('submitted', 'pending', 'approved', 'rejected', 'failed'));
