-- Resubmission (issue 15, docs/adr/0019): a transfer still `submitted` a while after its
-- creation (its submission failed for a while, or the process stopped before it) is handed
-- to its provider again by the transfer-resubmit job, which leases it first so that two
-- workers never submit one at once; the provider dedupes on the external reference. The
-- lease is `resubmit_after`, which also spaces the attempts out (`submission_attempts`).
ALTER TABLE transfers
  ADD COLUMN submission_attempts integer NOT NULL DEFAULT 0 CHECK (submission_attempts >= 0),
  ADD COLUMN resubmit_after timestamptz;
CREATE INDEX transfers_resubmission_idx ON transfers (created_at, id) WHERE status = 'submitted';

-- The job's own actor on the platform path, across workspaces, on a transfer still
-- submitted only: it leases it, and records what the provider answered (its id, or a refusal).
CREATE FUNCTION app_transfer_resubmission() RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT app_platform_access() AND coalesce(current_setting('app.actor', true), '') = 'system:transfer-resubmit' $$;
CREATE POLICY transfers_resubmission ON transfers FOR UPDATE
  USING ((SELECT app_transfer_resubmission()) AND status = 'submitted')
  WITH CHECK ((SELECT app_transfer_resubmission()) AND status IN ('submitted', 'pending', 'failed'));

GRANT UPDATE (submission_attempts, resubmit_after) ON transfers TO ringfence_app;
