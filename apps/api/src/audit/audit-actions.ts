/**
 * Every action an audit row can carry, with what it records: the catalogue auditors filter
 * by (`GET /v1/audit/actions`, the `action` filter's enum in the OpenAPI document). Each row
 * also has an `outcome` (`success`, `failure`, `denied`) and, when refused, a `reason`.
 * `test/architecture/audit-actions.spec.ts` fails on an action written in the code that is
 * not here, or one here that nothing writes.
 */
export const AUDIT_ACTIONS = {
  'admin.create': 'An owner created an admin (a one-time password, never recorded).',
  'admin.update': "An owner changed an admin's role or status.",
  'admin.password_change': 'An admin changed their own password.',
  'admin.recovery_codes_regenerate': 'An admin regenerated their recovery codes.',
  'admin.totp_enrol': 'An admin started TOTP enrolment.',
  'admin.totp_confirm': 'An admin confirmed TOTP enrolment.',
  'api_key.create': 'An API key was created (by an admin, or by a key with keys:manage).',
  'api_key.rotate': 'An API key was rotated: a new key, the old one kept for its grace.',
  'api_key.revoke': 'An API key was revoked.',
  'audit.read': 'Someone read the audit log (with the filter they used).',
  'audit.export': 'Someone exported the audit log (with the filter they used).',
  'audit.verify': "Someone verified the audit log's hash chain (and what it found).",
  'master_key.rewrap': 'keys:rewrap moved sealed values to the active master key (what it moved, what is left; a failure if it stopped).',
  'schema.migrate': 'The migrate command applied migrations (which), as the system.',
  'schema.revert': 'The migrate command reverted migrations (which), as the system.',
  'audit.retention': 'A month of the audit log past its retention was dropped, with a checkpoint (written by the database).',
  'auth.login': 'A login with email and password (refusals: unknown email, wrong password, disabled admin).',
  'auth.mfa': 'The second step of a login (TOTP or recovery code).',
  'auth.refresh':
    'A refresh token was rotated (reason reissued_within_grace: a reload that lost the answer, within the reuse grace), or a refresh was refused (unknown_token, csrf_mismatch, cookie_token_in_body, session_ended, ambiguous_cookie: several __Secure-rf_refresh cookies none or more than one of which the CSRF header proves, reissue_limited: a spent token re-issued 3 times within the grace already, rate_limited; rotation_limited: one session rotated 10 times in a minute).',
  'auth.refresh_reuse': 'A used refresh token came back: its whole family was revoked.',
  'auth.logout':
    'An admin ended their session, or a logout was refused (unproven: no proof at all or a bad access token, unknown_token, csrf_mismatch, session_ended).',
  'auth.session_revoke':
    "An admin ended one of their sessions (reason superseded_by_sign_in: a new cookie sign-in replaced the browser's cookie of an older one).",
  'auth.step_up': 'An admin proved a fresh second factor.',
  'auth.totp_confirm': 'A TOTP code given to confirm enrolment (a refused one counts against the budget).',
  'auth.password_change': "A password change's proof of the current password.",
  'auth.password_reset_request': 'A password reset mail was asked for (whether or not the account exists).',
  'auth.password_reset': 'A password was reset with a reset token.',
  'auth.api_key': 'An API key was refused (unknown, revoked, expired, malformed) or its address was limited.',
  'auth.authorize': 'A caller was refused a route (role, scope, step-up, account setup).',
  'cosigner.callback': "A custody provider's callback was refused (signature, provider, shape).",
  'cosigner.decide': 'The cosigner decided a signing request (approve, reject or retry, with the rule).',
  'inbound.webhook': "A custody provider's webhook was refused (signature, provider, replay).",
  'provider_event.receive': "A custody provider's transaction event was processed (or ignored, and why).",
  'policy.draft': 'A cosigner policy draft was saved.',
  'policy.activate': 'A cosigner policy version was activated.',
  'policy.explain': 'A policy was asked how it would decide a sample transfer.',
  'transfer.create': 'A transfer was submitted.',
  'transfer.resubmit': 'A transfer was submitted to its provider again after a transient failure.',
  'transfer.fail': 'A transfer failed for good (its provider refused it).',
  'vault_secret.create': 'A vault secret was created (never its value).',
  'vault_secret.add_version': 'A vault secret got a new version (never its value).',
  'vault_secret.delete': 'A vault secret was deleted.',
  'vault_secret.reveal': "A vault secret's value was revealed (refusals: rate limited, undecryptable).",
  'webhook_endpoint.create': 'A webhook endpoint was created (never its secret).',
  'webhook_endpoint.update': 'A webhook endpoint was changed.',
  'webhook_endpoint.delete': 'A webhook endpoint was deleted.',
  'webhook_endpoint.rotate_secret': "A webhook endpoint's signing secret was rotated.",
  'webhook_endpoint.test': 'A webhook.test event was sent to an endpoint.',
  'webhook_endpoint.recover': "An endpoint's failed deliveries since a time were sent again.",
  'webhook_endpoint.disable': 'A webhook endpoint was disabled after failing for too long.',
  'webhook_delivery.replay': 'A finished webhook delivery was sent again.',
  'workspace.create': 'A workspace was created.',
  'workspace.update': "A workspace's name, origins or plan changed.",
  'workspace.suspend': 'A workspace was suspended (its keys stop working).',
  'workspace.reactivate': 'A suspended workspace was reactivated.',
  'workspace.delete': 'A workspace was deleted (purged 30 days later).',
  'workspace.export': "A workspace's data was exported (the count of each resource, never the data).",
} as const satisfies Readonly<Record<string, string>>;

export type AuditActionName = keyof typeof AUDIT_ACTIONS;

/** The catalogue's actions, sorted. */
export const AUDIT_ACTION_NAMES = Object.keys(AUDIT_ACTIONS).sort() as AuditActionName[];
