import type { ClaimSet } from '../model';

/**
 * ASVS 5.0.0 V6 Authentication: the admins' way in (apps/api/src/admin-identity, ADR 0004).
 * Workspace API keys are a machine credential (ADR 0005), not a user's authenticator; custody
 * providers authenticate by signature (ADR 0019, 0022). Neither is in scope here.
 */
const claims: ClaimSet = {
  claims: [
    {
      id: 'V6.2.1',
      claim:
        'A new admin password must be at least 12 characters, counted in code points as typed; a shorter one is refused however strong. The one password policy is unit-tested, and the routes that set a password (change, reset, end of setup) all call it.',
    },
    {
      id: 'V6.2.2',
      claim:
        "Every admin changes their own password with POST /v1/auth/password/change (the console's account page); the old password stops working and the new one signs in.",
    },
    {
      id: 'V6.2.3',
      claim:
        'A password change needs the current password beside the new one: a wrong current password is refused (403 CURRENT_PASSWORD_REJECTED) and changes nothing.',
    },
    {
      id: 'V6.2.5',
      claim:
        'The password policy has no composition rule: length (12 to 128 code points) and a zxcvbn-ts strength score are all it checks, so passphrases of lower-case words, digits only, symbols only or any script are accepted.',
    },
    {
      id: 'V6.2.6',
      claim: 'Every password field of the console (sign-in, first-login setup, account, password reset) is an input of type=password.',
    },
    {
      id: 'V6.2.7',
      claim:
        'The console lets a password be pasted and password managers fill it: nothing blocks paste, and its fields carry autocomplete current-password or new-password.',
    },
    {
      id: 'V6.2.8',
      claim:
        'A password is verified exactly as received: nothing is trimmed, case-folded, normalised or truncated (more than 128 code points is a 400, never cut).',
    },
    {
      id: 'V6.2.9',
      claim:
        'Passwords of up to 128 code points are accepted (on login, and as a new password), so 64-character passphrases are permitted.',
    },
    {
      id: 'V6.3.1',
      claim:
        'Login is limited per client address (20 a minute, IPv6 counted per /64) and per account (10 in 15 minutes, whatever the address); second factors per challenge (5) and per admin across challenges; reset requests per email (3 an hour). Each refusal is a 429 with Retry-After, and the first of a block is audited (ADR 0004 "Limits").',
    },
    {
      id: 'V6.3.2',
      claim:
        'No default account exists: production creates no admin at all (each is made with `admin:create`), and the first owner a development start creates has a random one-time password, no second factor and therefore only a setup session until it enrols TOTP and chooses its own password.',
    },
    {
      id: 'V6.3.3',
      claim:
        'Every admin must use password plus a second factor (TOTP or a one-use recovery code): a password alone opens only a setup session, which reaches nothing but the setup routes until TOTP is enrolled.',
    },
    {
      id: 'V6.3.4',
      claim:
        'Admins have one documented way in (ADR 0004): password, then second factor. Its other paths hold the same strength: the emailed reset link also needs the second factor, a one-time password yields a setup-only session, and every admin route refuses anything but an admin access token.',
    },
    {
      id: 'V6.3.8',
      claim:
        'Login answers the same 401 for an unknown email, a wrong password and a disabled admin, and an unknown email still pays one argon2 verification; "forgot password" answers the same 202 whether or not the email is an admin\'s.',
    },
    {
      id: 'V6.4.1',
      claim:
        "A one-time password (a new admin's, or one `admin:create` prints) is 160 random bits from the CSPRNG, opens only a setup session until the admin enrols TOTP and replaces it, so it never becomes the long-term password, and signs in for 72 hours only: past them the login is the uniform 401, audited as `one_time_password_expired`.",
    },
    {
      id: 'V6.4.3',
      claim:
        'A password reset takes the mailed link (256-bit token stored as SHA-256, one hour, single use, only the newest works) and the second factor when TOTP is enrolled; five wrong second factors end the link, and the reset ends every session.',
    },
    {
      id: 'V6.5.1',
      claim:
        'A TOTP code is accepted once: the last accepted time step is stored and a code must be later than it (atomic update); a recovery code is spent atomically on use, and an MFA challenge is closed once used.',
    },
    {
      id: 'V6.5.2',
      claim:
        'Recovery codes carry 120 random bits (above the 112 that allow a plain hash) and are stored only as SHA-256; no code appears in clear in the database.',
    },
    {
      id: 'V6.5.3',
      claim: "Recovery codes and TOTP seeds (160 bits) are drawn from Node's CSPRNG (crypto.randomBytes).",
    },
    {
      id: 'V6.5.4',
      claim: 'Each recovery code has 120 bits of entropy (24 Crockford base32 characters), far above the 20 bits required.',
    },
  ],
  unclaimed: [
    {
      ids: ['V6.1.1'],
      why: 'Partly: ADR 0004 "Limits" documents the per-address and per-account login limits and how they are configured (V6.3.1 is claimed), but it does not address malicious lockout, and the per-account limit allows it: ten wrong passwords for an admin\'s email, from any addresses, refuse that admin\'s correct password for 15 minutes (test/e2e/admin-login.spec.ts).',
    },
    {
      ids: ['V6.1.2', 'V6.2.11'],
      why: 'Partly: the strength check passes the admin\'s email, its parts and "ringfence" to zxcvbn-ts as context words (password-policy.ts), but no list of context-specific words (organisation, product, role names) is documented or maintained.',
    },
    {
      ids: ['V6.1.3'],
      why: 'Documented only (a documentation requirement, not a tested control): docs/architecture.md "Who uses it" lists the pathways (admins: password then TOTP; workspace integrations: API keys; providers: signatures) and ADR 0004, 0005 and 0022 give each one\'s controls. The admins\' consistency is claimed under V6.3.4.',
    },
    {
      ids: ['V6.2.4'],
      why: 'Partly: new passwords must reach zxcvbn-ts score 3 with its 49,233-entry common-password list, and every entry of 12 characters or more is refused (password-policy.spec.ts), but that list holds only 308 passwords that meet our 12-character minimum, so we cannot show a check against the top 3,000 policy-matching passwords.',
    },
    {
      ids: ['V6.2.10'],
      why: 'Met by design, not proven by a test: Ringfence stores no password age and never asks for periodic rotation; a password stays valid until the admin changes or resets it.',
    },
    {
      ids: ['V6.2.12'],
      why: "Not met: passwords are checked against zxcvbn-ts's bundled common-password list only, not against a breached-password set (no Have I Been Pwned range query, no offline breach corpus).",
    },
    {
      ids: ['V6.4.2'],
      why: 'Met by design, nothing to test: Ringfence has no password hints and no secret questions.',
    },
    {
      ids: ['V6.4.4'],
      why: 'Not met: an admin who loses the authenticator signs in with a recovery code, but cannot enrol a new one (TOTP cannot be re-enrolled, 409 TOTP_ALREADY_ENROLLED) and no owner can reset it; losing the codes too leaves only a new account, with no identity proofing process defined.',
    },
    {
      ids: ['V6.5.5'],
      why: 'Partly: TOTP steps are 30 seconds, but one step of drift either way is accepted (totp.spec.ts), so a code is accepted for up to 90 seconds, beyond the 30-second maximum. There is no out-of-band authenticator.',
    },
    {
      ids: ['V6.6'],
      why: 'Not applicable: Ringfence has no out-of-band authenticator (no SMS, phone call, push or emailed code); the second factor is TOTP or a recovery code. The emailed reset link is a recovery token and needs the second factor too (V6.4.3).',
    },
    {
      ids: ['V6.8'],
      why: 'Not applicable: Ringfence uses no identity provider (no SAML, OIDC or social login); admins authenticate against Ringfence itself.',
    },
  ],
};
export default claims;
