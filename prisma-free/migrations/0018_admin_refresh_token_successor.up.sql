-- Each refresh token names the token that replaced it (docs/adr/0004-admin-identity.md,
-- "Sessions"): set when its rotation issues the child, and moved to the newer child when a
-- reload within the reuse grace issues again (the child it named is then spent unused, and
-- names nothing). A spent token whose successor is still unused is what the grace may
-- forgive; one that names nothing (spent by such a reissue, or before this column) never is.
ALTER TABLE admin_refresh_tokens
  ADD COLUMN replaced_by bytea REFERENCES admin_refresh_tokens (token_hash)
    CHECK (octet_length(replaced_by) = 32);
