'use strict';
// Bench fixtures for the admin scenarios, made through the public routes only: the first
// owner (printed once by the first start) finishes setup (TOTP + new password) and gets a
// full session; then it creates the accounts the login scenario signs in with.
const { generateSync, ScureBase32Plugin } = require('otplib');
const { call } = require('./support');

const base32 = new ScureBase32Plugin();

/** The first owner's credentials, from the first start's output. */
function firstOwnerFrom(output) {
  const match = /email:\s+(\S+)\s.*\n.*one-time password:\s+(\S+)/.exec(output);
  if (!match) throw new Error('the first start printed no first-owner credential');
  return { email: match[1], password: match[2] };
}

async function fullOwnerSession(base, output) {
  const owner = firstOwnerFrom(output);
  const ip = { 'x-forwarded-for': '192.0.2.1' };
  const login = await call(base, 'POST', '/v1/auth/login', owner, undefined, ip);
  const setup = login.session.accessToken;
  const enrolment = await call(base, 'POST', '/v1/auth/totp/enroll', undefined, setup);
  const secret = base32.decode(enrolment.secret);
  const code = generateSync({ secret, epoch: Math.floor(Date.now() / 1000), period: 30, digits: 6, algorithm: 'sha1' });
  await call(base, 'POST', '/v1/auth/totp/confirm', { code }, setup);
  const changed = await call(
    base,
    'POST',
    '/v1/auth/password/change',
    { currentPassword: owner.password, newPassword: 'bench owner passphrase, long and unguessable' },
    setup,
  );
  return changed.session.accessToken;
}

/** `count` admins (one-time passwords: their login is the password step's hit path). */
async function loginAccounts(base, ownerToken, count) {
  const accounts = [];
  for (let i = 0; i < count; i += 1) {
    const created = await call(base, 'POST', '/v1/admin/admins', { email: `bench-${i}@example.com`, role: 'auditor' }, ownerToken);
    accounts.push({ email: created.admin.email, password: created.oneTimePassword });
  }
  return accounts;
}

/** A workspace and an API key for it (any scope will do for `GET /v1/workspace`). */
async function workspaceKey(base, ownerToken) {
  const workspace = await call(base, 'POST', '/v1/admin/workspaces', { name: 'bench workspace' }, ownerToken);
  const created = await call(
    base,
    'POST',
    `/v1/admin/workspaces/${workspace.id}/api-keys`,
    { name: 'bench', scopes: ['audit:read'], environment: 'live' },
    ownerToken,
  );
  return created.key;
}

module.exports = { fullOwnerSession, loginAccounts, workspaceKey };
