import { AesGcmCipher, sealedColumns } from '@ringfence/crypto';
import { randomBytes } from 'node:crypto';
import { MasterKeyRewrap } from '../../apps/api/src/master-key-rewrap/master-key-rewrap';
import { TestAdmin } from '../support/admin-session';
import { TestKey } from '../support/api-key';
import { TestApp } from '../support/test-app';
import { useTestApp } from '../support/use-test-app';

const V1 = randomBytes(32).toString('base64');
const V2 = randomBytes(32).toString('base64');

/** Rotation without downtime: add v2, make it active, rewrap; interrupted half-way and resumed, nothing is lost. */
describe('keys:rewrap', () => {
  const before = useTestApp({ secretFiles: { 'master.v1.key': V1 } });
  let after: TestApp;
  let admins: TestAdmin[];
  /** Vault secrets in two workspaces and both environments, two versions each, by the key that may reveal them. */
  const vault: { key: TestKey; name: string; values: string[] }[] = [];

  beforeAll(async () => {
    admins = [];
    for (let i = 0; i < 4; i += 1) admins.push(await before.newAdmin(i === 0 ? 'owner' : 'admin'));
    const scopes = ['vault:write', 'vault:reveal'];
    const live = await before.newKey({ scopes, by: admins[0] });
    const keys = [
      live,
      await before.newKey({ scopes, workspace: live.workspaceId, environment: 'test', by: admins[0] }),
      await before.newKey({ scopes, by: admins[0] }),
    ];
    for (const key of keys) {
      for (const name of ['provider', 'oauth', 'storage']) {
        const values = [randomBytes(20).toString('hex'), randomBytes(20).toString('hex')];
        const created = await before.app.inject({
          method: 'POST',
          url: '/v1/vault/secrets',
          headers: key.headers,
          payload: { name, value: values[0] },
        });
        const added = await before.app.inject({
          method: 'POST',
          url: `/v1/vault/secrets/${name}/versions`,
          headers: key.headers,
          payload: { value: values[1] },
        });
        expect([created.statusCode, added.statusCode]).toEqual([201, 201]);
        vault.push({ key, name, values });
      }
    }
    after = await before.another({ secretFiles: { 'master.v1.key': V1, 'master.v2.key': V2 }, env: { MASTER_KEY_ACTIVE_VERSION: '2' } });
  });

  const versionsOf = async (column: string) =>
    (await after.app.get(MasterKeyRewrap).counts())
      .filter((count) => count.column === column)
      .map(({ version, count }): [number, number] => [version, count]);
  const totpVersions = () => versionsOf('admins.totp_secret');
  const underV1 = async () =>
    (await after.app.get(MasterKeyRewrap).counts()).filter((count) => count.version === 1).reduce((sum, count) => sum + count.count, 0);

  /** Every kept version of every vault secret, revealed on `t`, is the value it was given. */
  async function revealsAll(t: TestApp): Promise<boolean[]> {
    const results: boolean[] = [];
    for (const { key, name, values } of vault) {
      for (const [i, value] of values.entries()) {
        const response = await t.app.inject({
          method: 'POST',
          url: `/v1/vault/secrets/${name}/reveal`,
          headers: key.headers,
          payload: { version: i + 1 },
        });
        results.push(response.statusCode === 200 && response.json<{ value: string }>().value === value);
      }
    }
    return results;
  }

  /** Signs in on `t` with password and TOTP: the secret decrypted under whatever version it is in now. */
  async function signsIn(t: TestApp, admin: TestAdmin): Promise<boolean> {
    const login = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: admin.email, password: admin.password } });
    const mfa = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/mfa',
      payload: { challenge: login.json<{ challenge: string }>().challenge, code: admin.secondFactor() },
    });
    return mfa.statusCode === 200;
  }

  it('declares every sealed column it rewraps', () => {
    expect(sealedColumns().map((column) => `${column.table}.${column.column}`)).toEqual([
      'admins.totp_pending_secret',
      'admins.totp_secret',
      'mail_outbox.sealed_payload',
      'vault_secret_versions.sealed_value',
      'webhook_endpoints.sealed_previous_secret',
      'webhook_endpoints.sealed_secret',
    ]);
  });

  it('moves every value to the active version, resumably, and every secret still works', async () => {
    const initial = await totpVersions();
    expect(initial).toHaveLength(1);
    expect(initial[0]![0]).toBe(1);
    const sealed = (
      await before.superuser.query<{ id: string; totp_secret: Buffer }>(
        'SELECT id, totp_secret FROM admins WHERE totp_secret IS NOT NULL ORDER BY id',
      )
    ).rows;

    // Interrupted after one batch of one.
    const column = sealedColumns().find((candidate) => candidate.column === 'totp_secret')!;
    expect((await after.app.get(MasterKeyRewrap).rewrapBatch(column, 1)).moved).toBe(1);
    expect(await totpVersions()).toEqual([
      [1, initial[0]![1] - 1],
      [2, 1],
    ]);
    // Resumed while another transaction holds one vault version locked: the rewrap skips
    // it rather than wait, and a later run moves it. Nothing moves twice.
    const remaining = await underV1();
    const locker = await before.db.connect(before.db.adminUrl);
    await locker.query('BEGIN');
    await locker.query('SELECT id FROM vault_secret_versions ORDER BY id LIMIT 1 FOR UPDATE');
    expect(await after.app.get(MasterKeyRewrap).rewrapAll(2)).toBe(remaining - 1);
    expect(await versionsOf('vault_secret_versions.sealed_value')).toEqual([
      [1, 1],
      [2, vault.length * 2 - 1],
    ]);
    await locker.query('COMMIT');
    await locker.end();
    expect(await after.app.get(MasterKeyRewrap).rewrapAll(2)).toBe(1);
    expect(await underV1()).toBe(0);
    expect(await totpVersions()).toEqual([[2, initial[0]![1]]]);
    expect(await after.app.get(MasterKeyRewrap).rewrapAll(1)).toBe(0);

    const rewrapped = (
      await before.superuser.query<{ id: string; totp_secret: Buffer }>(
        'SELECT id, totp_secret FROM admins WHERE totp_secret IS NOT NULL ORDER BY id',
      )
    ).rows;
    expect(rewrapped.map((row) => row.id)).toEqual(sealed.map((row) => row.id));
    rewrapped.forEach((row, i) => expect(row.totp_secret.equals(sealed[i]!.totp_secret)).toBe(false));
    for (const admin of admins) expect(await signsIn(after, admin)).toBe(true);
    expect(await revealsAll(after)).not.toContain(false);
  });

  it('lets v1 be retired once nothing names it: an instance with v2 alone still reads every secret', async () => {
    // The test app writes a fresh random `master.v1.key` of its own: the real v1 is gone.
    const retired = await before.another({ secretFiles: { 'master.v2.key': V2 }, env: { MASTER_KEY_ACTIVE_VERSION: '2' } });
    try {
      for (const admin of admins) expect(await signsIn(retired, admin)).toBe(true);
      const revealed = await revealsAll(retired);
      expect(revealed).toHaveLength(vault.length * 2);
      expect(revealed).not.toContain(false);
    } finally {
      await retired.close();
    }
  });

  it('leaves a value that does not decrypt where it is, moves the rest, and keeps its version from being retired', async () => {
    const [victim] = (
      await before.superuser.query<{ id: string; sealed_value: Buffer }>(
        'SELECT id, sealed_value FROM vault_secret_versions ORDER BY id LIMIT 1',
      )
    ).rows;
    // One value altered to claim v1 (it will not decrypt), and one new secret sealed under v1 by the old instance.
    const forged = Buffer.from(victim!.sealed_value);
    forged.writeUInt32BE(1, 1);
    await before.superuser.query('UPDATE vault_secret_versions SET sealed_value = $2 WHERE id = $1', [victim!.id, forged]);
    const { key } = vault[0]!;
    const created = await before.app.inject({
      method: 'POST',
      url: '/v1/vault/secrets',
      headers: key.headers,
      payload: { name: 'late', value: 'sealed under v1' },
    });
    expect(created.statusCode).toBe(201);

    const reports: [string, number, number][] = [];
    const decrypt = jest.spyOn(after.app.get(AesGcmCipher), 'decrypt');
    try {
      expect(
        await after.app.get(MasterKeyRewrap).rewrapAll(10, (column, moved, unreadable) => reports.push([column, moved, unreadable])),
      ).toBe(1);
      // The plaintext it moved was zeroed once sealed again.
      const opened = decrypt.mock.results.filter((result) => result.type === 'return').map((result) => result.value);
      expect(opened).toHaveLength(1);
      expect(opened[0]!.every((byte) => byte === 0)).toBe(true);
    } finally {
      decrypt.mockRestore();
    }
    expect(reports).toEqual([['vault_secret_versions.sealed_value', 1, 1]]);
    expect(await versionsOf('vault_secret_versions.sealed_value')).toEqual([
      [1, 1],
      [2, vault.length * 2],
    ]);
    const revealedLate = await after.app.inject({
      method: 'POST',
      url: '/v1/vault/secrets/late/reveal',
      headers: key.headers,
      payload: {},
    });
    expect(revealedLate.json()).toMatchObject({ value: 'sealed under v1' });
    await before.superuser.query('UPDATE vault_secret_versions SET sealed_value = $2 WHERE id = $1', [victim!.id, victim!.sealed_value]);
    expect(await underV1()).toBe(0);
  });
});
