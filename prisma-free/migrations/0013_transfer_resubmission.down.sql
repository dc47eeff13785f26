REVOKE UPDATE (submission_attempts, resubmit_after) ON transfers FROM ringfence_app;
DROP POLICY transfers_resubmission ON transfers;
DROP FUNCTION app_transfer_resubmission();
DROP INDEX transfers_resubmission_idx;
ALTER TABLE transfers DROP COLUMN resubmit_after, DROP COLUMN submission_attempts;
