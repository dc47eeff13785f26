ALTER TABLE mail_outbox
  DROP CONSTRAINT mail_outbox_finished_empty,
  DROP CONSTRAINT mail_outbox_lease_whole,
  DROP COLUMN lease_token,
  DROP COLUMN claimed_until;
