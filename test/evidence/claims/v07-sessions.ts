import type { ClaimSet } from '../model';

/**
 * ASVS 5.0.0 V7 Session Management: an admin session is one login and one refresh-token family
 * (ADR 0004 "Sessions"), read on every request. Workspace API keys hold no session (ADR 0005).
 */
const claims: ClaimSet = {
  claims: [
    {
      id: 'V7.2.1',
      claim:
        'The API itself verifies every admin access token (ES256 signature, our key, typ, iss, aud, exp, nbf) and reads its session from the database on every request (cached for at most a second); nothing is trusted from the client.',
    },
    {
      id: 'V7.2.2',
      claim:
        'Admin sessions use tokens minted for each session: a 10-minute ES256 access token naming its session (sid, jti), and a refresh token rotated into a new pair on every use. Static credentials (API keys) are machine credentials and never open an admin session.',
    },
    {
      id: 'V7.2.3',
      claim:
        "Refresh tokens (like MFA challenges, reset and CSRF tokens) are 256 bits from Node's CSPRNG, base64url, stored only as SHA-256.",
    },
    {
      id: 'V7.3.2',
      claim:
        "A session has an absolute lifetime (ADMIN_SESSION_TTL_SECONDS, 12 hours by default, ADR 0004) that refreshes never extend: past it the refresh token and the access tokens are refused and the console's cookie is cleared.",
    },
    {
      id: 'V7.4.1',
      claim:
        "Logout (or ending a session) revokes it in the database: its access tokens are refused at once on the instance that ended it and within a second on the others (the session-state cache's life), and its refresh token is refused; a spent refresh token coming back ends the whole family and is audited.",
    },
    {
      id: 'V7.4.2',
      claim:
        "Disabling an admin ends every one of their sessions in the same transaction: access and refresh tokens stop at once on the instance that disabled them and within a second on the others (the session-state cache's life). Admins are never deleted, only disabled.",
    },
    {
      id: 'V7.4.3',
      claim:
        'A password change ends every other session of the admin, a password reset ends all of them, confirming TOTP ends every session opened before it; and the account page\'s "End all other sessions" is there at any time, e.g. after new recovery codes.',
    },
    {
      id: 'V7.5.3',
      claim:
        "Sensitive operations (creating an admin, changing an admin's role or status, new recovery codes, minting or rotating a workspace API key, activating a cosigner policy, exporting a workspace) need a second factor proved in this session within the last five minutes (@StepUp, 403 STEP_UP_REQUIRED, audited), and a refresh never re-opens that window; an admin with a stale factor cannot mint a key to do through the API what the admin route refuses.",
    },
  ],
  unclaimed: [
    {
      ids: ['V7.1.1'],
      why: 'Partly: ADR 0004 documents the absolute session lifetime (12 hours) and the 10-minute access token, but there is no inactivity timeout to document (V7.3.1) and no justification against NIST SP 800-63B re-authentication.',
    },
    {
      ids: ['V7.1.2'],
      why: 'Not met: an admin may hold any number of concurrent sessions; no maximum and no behaviour at a maximum is documented.',
    },
    {
      ids: ['V7.1.3', 'V7.6'],
      why: 'Not applicable: Ringfence takes part in no federated identity or single sign-on; admin sessions are its own.',
    },
    {
      ids: ['V7.2.4'],
      why: 'Partly: each sign-in opens a new session with new tokens, and a cookie sign-in ends the older family whose cookie it overwrites; but a step-up (re-authentication with the second factor) raises the rights of the existing session and its tokens without issuing new ones.',
    },
    {
      ids: ['V7.3.1'],
      why: "Not met: there is no inactivity timeout. A refresh token unused for hours still works within the session's 12-hour absolute lifetime, and an open console refreshes its access token every nine minutes whether or not anyone uses it.",
    },
    {
      ids: ['V7.4.4'],
      why: 'Partly: every page of the signed-in console layout (workspaces, admins, account, audit) has "Sign out" in its header, but the first-login setup page, which needs a (setup) session, offers none; and no test walks every page to check it.',
    },
    {
      ids: ['V7.4.5'],
      why: "Partly: an owner ends every session of one admin by disabling them (V7.4.2), but no route ends another admin's sessions while keeping the account active, and none ends every admin's sessions at once.",
    },
    {
      ids: ['V7.5.1'],
      why: 'Partly: a password change needs the current password and new recovery codes need a second factor from the last five minutes, but neither is a full re-authentication (password and second factor); the email cannot be changed and TOTP cannot be re-enrolled, so nothing else is exposed.',
    },
    {
      ids: ['V7.5.2'],
      why: 'Partly: an admin lists their live sessions (created, last used, address, user agent, this one marked) and ends any or all others (GET and DELETE /v1/auth/sessions, the account page), but ending them asks for no fresh factor.',
    },
  ],
};
export default claims;
