-- Admin identity (ring L4): admins, their sessions (refresh-token families), MFA
-- challenges, recovery codes, password resets and the mail outbox.
--
-- These are platform tables, not tenant tables: no workspace owns them. Row-level
-- security still applies, with one policy: nothing here is visible while a workspace is
-- set (app.workspace_id), so a transaction acting for an API key or a provider can never
-- read or write admin identity, whatever the code above it does.

CREATE FUNCTION app_outside_workspace() RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT app_workspace_id() IS NULL $$;

CREATE TABLE admins (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Normalised by the application (trimmed, lower case); unique as stored.
  email                 text NOT NULL UNIQUE CHECK (char_length(email) BETWEEN 3 AND 254 AND email = lower(email)),
  role                  text NOT NULL CHECK (role IN ('owner', 'admin', 'auditor')),
  status                text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  password_hash         text NOT NULL,
  -- A one-time password (first owner, invited admin) must be replaced before a full session.
  password_must_change  boolean NOT NULL DEFAULT false,
  password_changed_at   timestamptz NOT NULL DEFAULT now(),
  -- AES-256-GCM under the keyring, AAD bound to the admin id; pending until confirmed.
  totp_pending_secret   bytea,
  totp_secret           bytea,
  totp_enabled_at       timestamptz,
  -- The last accepted TOTP time step: a code is accepted once.
  totp_last_step        bigint,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  version               integer NOT NULL DEFAULT 1,
  CHECK ((totp_secret IS NULL) = (totp_enabled_at IS NULL))
);

-- A session is one login: its refresh tokens form one family.
CREATE TABLE admin_sessions (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  admin_id        uuid NOT NULL REFERENCES admins (id),
  -- setup: password accepted, second factor or password change still due (no refresh token).
  stage           text NOT NULL CHECK (stage IN ('setup', 'full')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- The family's absolute lifetime: no refresh extends it.
  expires_at      timestamptz NOT NULL,
  last_used_at    timestamptz NOT NULL DEFAULT now(),
  -- When a second factor was last presented in this session (step-up reads it).
  second_factor_at timestamptz,
  -- SHA-256 of the CSRF token a cookie-carried refresh must echo in a header.
  csrf_hash       bytea,
  revoked_at      timestamptz,
  revoked_reason  text,
  client_ip       inet,
  user_agent      text
);
CREATE INDEX admin_sessions_admin_id_idx ON admin_sessions (admin_id);

-- Only hashes are stored. A used token stays, so presenting it again is recognised as reuse.
CREATE TABLE admin_refresh_tokens (
  token_hash   bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
  session_id   uuid NOT NULL REFERENCES admin_sessions (id),
  issued_at    timestamptz NOT NULL DEFAULT now(),
  used_at      timestamptz
);
CREATE INDEX admin_refresh_tokens_session_id_idx ON admin_refresh_tokens (session_id);

-- Between the password and the second factor.
CREATE TABLE admin_mfa_challenges (
  token_hash   bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
  admin_id     uuid NOT NULL REFERENCES admins (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  failures     integer NOT NULL DEFAULT 0,
  closed_at    timestamptz,
  client_ip    inet,
  user_agent   text
);
CREATE INDEX admin_mfa_challenges_admin_id_idx ON admin_mfa_challenges (admin_id);

CREATE TABLE admin_recovery_codes (
  admin_id     uuid NOT NULL REFERENCES admins (id),
  code_hash    bytea NOT NULL CHECK (octet_length(code_hash) = 32),
  created_at   timestamptz NOT NULL DEFAULT now(),
  used_at      timestamptz,
  PRIMARY KEY (admin_id, code_hash)
);

CREATE TABLE admin_password_resets (
  token_hash   bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
  admin_id     uuid NOT NULL REFERENCES admins (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  failures     integer NOT NULL DEFAULT 0,
  used_at      timestamptz
);
CREATE INDEX admin_password_resets_admin_id_idx ON admin_password_resets (admin_id);

-- Work for the mail worker. The payload is sealed (AES-256-GCM, AAD bound to the row)
-- and cleared once handled: a reset link never rests in the database in clear.
CREATE TABLE mail_outbox (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind             text NOT NULL CHECK (kind IN ('password_reset_request')),
  sealed_payload   bytea,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  created_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  last_error       text
);
CREATE INDEX mail_outbox_pending_idx ON mail_outbox (next_attempt_at) WHERE status = 'pending';

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['admins', 'admin_sessions', 'admin_refresh_tokens', 'admin_mfa_challenges',
                           'admin_recovery_codes', 'admin_password_resets', 'mail_outbox'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING (app_outside_workspace()) WITH CHECK (app_outside_workspace())', t || '_platform', t);
  END LOOP;
END $$;

-- Nothing is deleted but spent recovery codes (regeneration replaces the set).
GRANT SELECT, INSERT, UPDATE ON admins, admin_sessions, admin_refresh_tokens, admin_mfa_challenges,
  admin_password_resets, mail_outbox TO ringfence_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON admin_recovery_codes TO ringfence_app;
