-- The outbox lease (docs/adr/0012): a worker claims a row in one short transaction
-- (FOR UPDATE SKIP LOCKED), sends with no transaction open, and records the outcome in a
-- second one that is a compare-and-set on the claim's token. A worker whose lease ran out
-- while it was sending, and whose row another worker claimed again, has its late result
-- refused. The app role's UPDATE grant on mail_outbox covers the new columns; its
-- platform policy (outside any workspace) is unchanged.

ALTER TABLE mail_outbox
  -- Until when the claiming worker holds the row; NULL while nobody does.
  ADD COLUMN claimed_until timestamptz,
  -- The claim's token, new at each claim: what the recording transaction compares.
  ADD COLUMN lease_token uuid,
  ADD CONSTRAINT mail_outbox_lease_whole CHECK ((claimed_until IS NULL) = (lease_token IS NULL)),
  -- A finished row is held by nobody and keeps no payload: a reset link never rests in
  -- the database past its delivery, whatever the code that finished it.
  ADD CONSTRAINT mail_outbox_finished_empty CHECK (status = 'pending' OR (sealed_payload IS NULL AND lease_token IS NULL));
