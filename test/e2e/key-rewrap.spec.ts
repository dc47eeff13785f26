import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { sealedColumns } from '@ringfence/crypto';
import { KeyRewrap } from '../../apps/api/src/keys/key-rewrap';
import { createAdmin, TestAdmin } from '../support/admin-session';
import { createTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

const V1 = randomBytes(32).toString('base64');
const V2 = randomBytes(32).toString('base64');

/** Rotation without downtime: add v2, make it active, rewrap; interrupted half-way and resumed, nothing is lost. */
describe('keys:rewrap', () => {
  let db: TestDatabase;
  let before: TestApp;
  let after: TestApp;
  let superuser: Client;
  let admins: TestAdmin[];

  beforeAll(async () => {
    db = await createTestDatabase();
    superuser = await db.connect(db.adminUrl);
    before = await createTestApp(db, { secretFiles: { 'master.v1.key': V1 } });
    admins = [];
    for (let i = 0; i < 4; i += 1) admins.push(await createAdmin(before, 'admin'));
    after = await createTestApp(db, { secretFiles: { 'master.v1.key': V1, 'master.v2.key': V2 }, env: { MASTER_KEY_ACTIVE_VERSION: '2' } });
  });
  afterAll(async () => {
    await superuser.end();
    await after.close();
    await before.close();
    await db.drop();
  });

  const totpVersions = async () =>
    (await after.app.get(KeyRewrap).counts()).filter((count) => count.column === 'admins.totp_secret').map(({ version, count }): [number, number] => [version, count]);

  /** Signs in on `t` with password and TOTP: the secret decrypted under whatever version it is in now. */
  async function signsIn(t: TestApp, admin: TestAdmin): Promise<boolean> {
    const login = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: admin.email, password: admin.password } });
    const mfa = await t.app.inject({ method: 'POST', url: '/v1/auth/mfa', payload: { challenge: login.json<{ challenge: string }>().challenge, code: admin.secondFactor() } });
    return mfa.statusCode === 200;
  }

  it('declares every sealed column it rewraps', () => {
    expect(sealedColumns().map((column) => `${column.table}.${column.column}`)).toEqual(['admins.totp_pending_secret', 'admins.totp_secret', 'mail_outbox.sealed_payload']);
  });

  it('moves every value to the active version, resumably, and every secret still works', async () => {
    const initial = await totpVersions();
    expect(initial).toHaveLength(1);
    expect(initial[0]![0]).toBe(1);
    const sealed = (await superuser.query<{ id: string; totp_secret: Buffer }>('SELECT id, totp_secret FROM admins WHERE totp_secret IS NOT NULL ORDER BY id')).rows;

    // Interrupted after one batch of one.
    const column = sealedColumns().find((candidate) => candidate.column === 'totp_secret')!;
    expect(await after.app.get(KeyRewrap).rewrapBatch(column, 1)).toBe(1);
    expect(await totpVersions()).toEqual([
      [1, initial[0]![1] - 1],
      [2, 1],
    ]);
    // Resumed: the rest moves, nothing moves twice.
    const moved = await after.app.get(KeyRewrap).rewrapAll(1);
    expect(moved).toBe(initial[0]![1] - 1);
    expect(await totpVersions()).toEqual([[2, initial[0]![1]]]);
    expect(await after.app.get(KeyRewrap).rewrapAll(1)).toBe(0);

    const rewrapped = (await superuser.query<{ id: string; totp_secret: Buffer }>('SELECT id, totp_secret FROM admins WHERE totp_secret IS NOT NULL ORDER BY id')).rows;
    expect(rewrapped.map((row) => row.id)).toEqual(sealed.map((row) => row.id));
    rewrapped.forEach((row, i) => expect(row.totp_secret.equals(sealed[i]!.totp_secret)).toBe(false));
    for (const admin of admins) expect(await signsIn(after, admin)).toBe(true);
  });

  it('lets v1 be retired once nothing names it: an instance with v2 alone still reads every secret', async () => {
    // The test app writes a fresh random `master.v1.key` of its own: the real v1 is gone.
    const retired = await createTestApp(db, { secretFiles: { 'master.v2.key': V2 }, env: { MASTER_KEY_ACTIVE_VERSION: '2' } });
    try {
      for (const admin of admins) expect(await signsIn(retired, admin)).toBe(true);
    } finally {
      await retired.close();
    }
  });
});
