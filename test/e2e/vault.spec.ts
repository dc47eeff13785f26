import { AesGcmCipher } from '@ringfence/crypto';
import { UnitOfWork } from '@ringfence/tenancy';
import { randomBytes } from 'node:crypto';
import { TestAdmin } from '../support/admin-session';
import { TestKey } from '../support/api-key';
import { expectProblem, statedLimit } from '../support/assertions';
import { useTestApp } from '../support/use-test-app';

/** A value nobody could guess, to search logs, audit rows and tables for. */
const secretValue = (label: string) => `${label}:${randomBytes(24).toString('base64url')}`;

/**
 * The vault over HTTP: metadata without values, reveal as the only way out (audited,
 * limited per key), versions kept to a number, delete destroying ciphertexts, each
 * workspace and environment its own vault, and no value in a log line, an audit row, an
 * error body or a table in clear.
 */
describe('the vault', () => {
  const t = useTestApp({
    env: { LOG_LEVEL: 'trace', VAULT_VERSIONS_KEPT: '3', VAULT_REVEALS_PER_MINUTE: '1000', VAULT_WORKSPACE_REVEALS_PER_MINUTE: '1000' },
  });
  let admin: TestAdmin;
  let writer: TestKey;
  let reader: TestKey;
  let revealer: TestKey;
  let other: TestKey;
  let testEnvironment: TestKey;
  const values: string[] = [];

  beforeAll(async () => {
    admin = await t.newAdmin('owner');
    writer = await t.newKey({ scopes: ['vault:write'], by: admin });
    const { workspaceId } = writer;
    reader = await t.newKey({ workspace: workspaceId, scopes: ['vault:read'], by: admin });
    revealer = await t.newKey({ workspace: workspaceId, scopes: ['vault:reveal'], by: admin });
    testEnvironment = await t.newKey({
      workspace: workspaceId,
      scopes: ['vault:read', 'vault:write', 'vault:reveal'],
      environment: 'test',
      by: admin,
    });
    other = await t.newKey({ scopes: ['vault:read', 'vault:write', 'vault:reveal'], by: admin });
  });

  const send = (key: TestKey, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: key.headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  const create = (key: TestKey, name: string, value: string, description?: string) => {
    values.push(value);
    return send(key, 'POST', '/v1/vault/secrets', { name, value, ...(description === undefined ? {} : { description }) });
  };
  const addVersion = (key: TestKey, name: string, value: string) => {
    values.push(value);
    return send(key, 'POST', `/v1/vault/secrets/${name}/versions`, { value });
  };
  const reveal = (key: TestKey, name: string, version?: number) =>
    send(key, 'POST', `/v1/vault/secrets/${name}/reveal`, version === undefined ? {} : { version });
  const revealed = async (key: TestKey, name: string, version?: number) => {
    const response = await reveal(key, name, version);
    expect(response.statusCode).toBe(200);
    return response.json<{ name: string; version: number; value: string }>();
  };
  const auditRows = async (action: string) =>
    (
      await t.superuser.query<{
        actor_id: string;
        workspace_id: string;
        target_id: string;
        before: unknown;
        after: unknown;
        outcome: string;
        reason: string | null;
      }>('SELECT actor_id, workspace_id, target_id, before, after, outcome, reason FROM audit_log WHERE action = $1 ORDER BY id', [action])
    ).rows;

  it('creates a secret and answers with its metadata, never its value [V8.2.3 V14.3.2 V15.3.1 API3:2023]', async () => {
    const value = secretValue('provider-api-secret');
    const response = await create(writer, 'custody.api-secret', value, 'Custody provider API secret');
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({
      name: 'custody.api-secret',
      description: 'Custody provider API secret',
      environment: 'live',
      currentVersion: 1,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(response.body).not.toContain(value);

    const list = await send(reader, 'GET', '/v1/vault/secrets');
    expect(list.statusCode).toBe(200);
    expect(list.json<{ items: { name: string }[] }>().items.map((secret) => secret.name)).toContain('custody.api-secret');
    const detail = await send(reader, 'GET', '/v1/vault/secrets/custody.api-secret');
    expect(detail.statusCode).toBe(200);
    expect(detail.json()).toMatchObject({
      name: 'custody.api-secret',
      currentVersion: 1,
      versions: [{ version: 1, createdBy: `api_key:${writer.id}` }],
    });
    for (const body of [list.body, detail.body]) expect(body).not.toContain(value);

    const shown = await reveal(revealer, 'custody.api-secret');
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toEqual({ name: 'custody.api-secret', version: 1, value });
    expect(shown.headers['cache-control']).toBe('no-store');
    // No body at all: the current version.
    const bodiless = await t.app.inject({ method: 'POST', url: '/v1/vault/secrets/custody.api-secret/reveal', headers: revealer.headers });
    expect(bodiless.json()).toEqual({ name: 'custody.api-secret', version: 1, value });
  });

  it('keeps any UTF-8 text exactly, up to 32 KiB counted in bytes', async () => {
    const text = `ключ 🔑 ${secretValue('unicode')}\n\t"quoted" \\ 末尾`;
    expect((await create(writer, 'unicode', text)).statusCode).toBe(201);
    expect((await revealed(revealer, 'unicode')).value).toBe(text);

    const largest = 'é'.repeat(16 * 1024); // 32 KiB of two-byte characters
    expect((await create(writer, 'largest', largest)).statusCode).toBe(201);
    expect((await revealed(revealer, 'largest')).value).toBe(largest);

    const tooLarge = `${'é'.repeat(16 * 1024)}x`;
    const refused = await create(writer, 'too-large', tooLarge);
    expectProblem(refused, 400, 'VALIDATION_FAILED');
    expect(refused.json<{ errors: { field: string }[] }>().errors.map((error) => error.field)).toEqual(['value']);
    expect(refused.body).not.toContain('éé');

    for (const bad of ['', '\ud800 lone surrogate', 42, null]) {
      const response = await send(writer, 'POST', '/v1/vault/secrets', { name: 'bad-value', value: bad });
      expectProblem(response, 400, 'VALIDATION_FAILED');
    }
    expectProblem(await send(reader, 'GET', '/v1/vault/secrets/bad-value'), 404, 'NOT_FOUND');
  });

  it('refuses a name that is not a plain identifier, in the body and in the path', async () => {
    for (const name of ['', '.hidden', 'has space', 'slash/name', 'ü-umlaut', 'x'.repeat(129)]) {
      expectProblem(await create(writer, name, secretValue('bad-name')), 400, 'VALIDATION_FAILED');
    }
    expectProblem(await send(reader, 'GET', '/v1/vault/secrets/.hidden'), 400, 'VALIDATION_FAILED');
    expectProblem(await send(reader, 'GET', `/v1/vault/secrets/${'x'.repeat(129)}`), 400, 'VALIDATION_FAILED');
  });

  it('keeps names unique in a vault, whoever races for one [V15.4.2]', async () => {
    const attempts = await Promise.all(Array.from({ length: 6 }, () => create(writer, 'raced', secretValue('raced'))));
    expect(attempts.map((response) => response.statusCode).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    expectProblem(
      attempts.find((response) => response.statusCode === 409)!,
      409,
      'SECRET_EXISTS',
    );
    expect(
      Number(
        (
          await t.superuser.query(
            "SELECT count(*) FROM vault_secret_versions v JOIN vault_secrets s ON s.id = v.secret_id WHERE s.name = 'raced'",
          )
        ).rows[0].count,
      ),
    ).toBe(1);
  });

  it('adds versions, reveals any kept one, and destroys those past the kept number', async () => {
    const first = secretValue('v1');
    expect((await create(writer, 'rotating', first)).statusCode).toBe(201);
    const later = [secretValue('v2'), secretValue('v3'), secretValue('v4')];
    for (const [i, value] of later.entries()) {
      const response = await addVersion(writer, 'rotating', value);
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({ name: 'rotating', currentVersion: i + 2 });
      expect(response.body).not.toContain(value);
    }
    expect(await revealed(revealer, 'rotating')).toEqual({ name: 'rotating', version: 4, value: later[2] });
    expect((await revealed(revealer, 'rotating', 2)).value).toBe(later[0]);
    // VAULT_VERSIONS_KEPT=3: version 1 is gone, ciphertext and all.
    expectProblem(await reveal(revealer, 'rotating', 1), 404, 'NOT_FOUND');
    expectProblem(await reveal(revealer, 'rotating', 9), 404, 'NOT_FOUND');
    for (const version of [0, -1, 1.5, 2 ** 31, '2']) {
      expectProblem(await send(revealer, 'POST', '/v1/vault/secrets/rotating/reveal', { version }), 400, 'VALIDATION_FAILED');
    }
    const detail = await send(reader, 'GET', '/v1/vault/secrets/rotating');
    expect(detail.json<{ versions: { version: number }[] }>().versions.map((v) => v.version)).toEqual([4, 3, 2]);
    const { rows } = await t.superuser.query(
      "SELECT v.version FROM vault_secret_versions v JOIN vault_secrets s ON s.id = v.secret_id WHERE s.name = 'rotating' ORDER BY 1",
    );
    expect(rows.map((row: { version: number }) => row.version)).toEqual([2, 3, 4]);
    const [added] = (await auditRows('vault_secret.add_version')).slice(-1);
    expect(added).toMatchObject({
      actor_id: writer.id,
      workspace_id: writer.workspaceId,
      after: { name: 'rotating', currentVersion: 4, versionsDestroyed: [1] },
    });
  });

  it('gives each concurrent new version its own number [V15.4.2]', async () => {
    expect((await create(writer, 'busy', secretValue('busy'))).statusCode).toBe(201);
    const responses = await Promise.all(Array.from({ length: 5 }, (_, i) => addVersion(writer, 'busy', secretValue(`busy-${i}`))));
    expect(responses.map((response) => response.json<{ currentVersion: number }>().currentVersion).sort()).toEqual([2, 3, 4, 5, 6]);
    expect((await revealed(revealer, 'busy')).version).toBe(6);
  });

  it('deletes a secret with every ciphertext, and frees its name', async () => {
    expect((await create(writer, 'doomed', secretValue('doomed-1'))).statusCode).toBe(201);
    expect((await addVersion(writer, 'doomed', secretValue('doomed-2'))).statusCode).toBe(201);
    const { rows: before } = await t.superuser.query("SELECT id FROM vault_secrets WHERE name = 'doomed'");
    const deleted = await send(writer, 'DELETE', '/v1/vault/secrets/doomed');
    expect(deleted.statusCode).toBe(204);
    expect((await t.superuser.query('SELECT count(*) FROM vault_secret_versions WHERE secret_id = $1', [before[0].id])).rows[0].count).toBe(
      '0',
    );
    expectProblem(await send(reader, 'GET', '/v1/vault/secrets/doomed'), 404, 'NOT_FOUND');
    expectProblem(await reveal(revealer, 'doomed'), 404, 'NOT_FOUND');
    expectProblem(await send(writer, 'DELETE', '/v1/vault/secrets/doomed'), 404, 'NOT_FOUND');
    const [audit] = (await auditRows('vault_secret.delete')).slice(-1);
    expect(audit).toMatchObject({ target_id: before[0].id, before: { name: 'doomed', currentVersion: 2, versions: [1, 2] }, after: null });
    expect((await create(writer, 'doomed', secretValue('reborn'))).statusCode).toBe(201);
  });

  it('keeps every workspace and environment in its own vault: elsewhere is a 404, and nothing changes there [V8.2.2 V8.4.1 API1:2023]', async () => {
    const value = secretValue('isolated');
    expect((await create(writer, 'isolated', value)).statusCode).toBe(201);
    for (const key of [other, testEnvironment]) {
      expectProblem(await send(key, 'GET', '/v1/vault/secrets/isolated'), 404, 'NOT_FOUND');
      expectProblem(await reveal(key, 'isolated'), 404, 'NOT_FOUND');
      expectProblem(await addVersion(key, 'isolated', secretValue('intruder')), 404, 'NOT_FOUND');
      expectProblem(await send(key, 'DELETE', '/v1/vault/secrets/isolated'), 404, 'NOT_FOUND');
      expect((await send(key, 'GET', '/v1/vault/secrets')).json()).toEqual({ items: [], nextCursor: null });
    }
    expect(await revealed(revealer, 'isolated')).toEqual({ name: 'isolated', version: 1, value });
    // The same name is free in the other workspace and in the test environment: three secrets.
    const values3 = [secretValue('other-ws'), secretValue('test-env')];
    expect((await create(other, 'isolated', values3[0]!)).statusCode).toBe(201);
    expect((await create(testEnvironment, 'isolated', values3[1]!)).statusCode).toBe(201);
    expect((await revealed(other, 'isolated')).value).toBe(values3[0]);
    expect((await revealed(testEnvironment, 'isolated')).value).toBe(values3[1]);
    expect((await revealed(revealer, 'isolated')).value).toBe(value);
  });

  it('audits every reveal (who, which secret, which version) and never the value', async () => {
    expect((await create(writer, 'audited', secretValue('audited'))).statusCode).toBe(201);
    const before = (await auditRows('vault_secret.reveal')).length;
    await revealed(revealer, 'audited');
    expectProblem(await reveal(revealer, 'audited', 7), 404, 'NOT_FOUND');
    const rows = (await auditRows('vault_secret.reveal')).slice(before);
    const { rows: secret } = await t.superuser.query("SELECT id FROM vault_secrets WHERE name = 'audited' AND workspace_id = $1", [
      revealer.workspaceId,
    ]);
    expect(rows).toEqual([
      {
        actor_id: revealer.id,
        workspace_id: revealer.workspaceId,
        target_id: secret[0].id,
        before: null,
        after: { name: 'audited', version: 1 },
        outcome: 'success',
        reason: null,
      },
    ]);
  });

  it('refuses a ciphertext moved to another secret, workspace or environment, or altered by one bit: a 500 that says nothing [V11.3.3 V11.2.5 V16.3.4]', async () => {
    const [mine, theirs, testSide, sibling] = [
      secretValue('moved-mine'),
      secretValue('moved-theirs'),
      secretValue('moved-test'),
      secretValue('moved-sibling'),
    ];
    expect((await create(writer, 'moved', mine)).statusCode).toBe(201);
    expect((await create(writer, 'moved-sibling', sibling)).statusCode).toBe(201);
    expect((await create(other, 'moved', theirs)).statusCode).toBe(201);
    expect((await create(testEnvironment, 'moved', testSide)).statusCode).toBe(201);
    const sealedOf = async (key: TestKey, name: string, environment = 'live') =>
      (
        await t.superuser.query<{ id: string; sealed_value: Buffer }>(
          `SELECT v.id, v.sealed_value FROM vault_secret_versions v JOIN vault_secrets s ON s.id = v.secret_id
            WHERE s.workspace_id = $1 AND s.environment = $2 AND s.name = $3`,
          [key.workspaceId, environment, name],
        )
      ).rows[0]!;
    const original = await sealedOf(writer, 'moved');
    const replaceWith = (value: Buffer) =>
      t.superuser.query('UPDATE vault_secret_versions SET sealed_value = $2 WHERE id = $1', [original.id, value]);
    const flipped = Buffer.from(original.sealed_value);
    flipped[flipped.length - 1]! ^= 1;
    for (const planted of [
      (await sealedOf(other, 'moved')).sealed_value, // another workspace's
      (await sealedOf(testEnvironment, 'moved', 'test')).sealed_value, // the test environment's
      (await sealedOf(writer, 'moved-sibling')).sealed_value, // another secret's, same vault
      flipped,
    ]) {
      await replaceWith(planted);
      const response = await reveal(revealer, 'moved');
      expectProblem(response, 500, 'INTERNAL');
      for (const value of [mine, theirs, testSide, sibling]) expect(response.body).not.toContain(value);
    }
    // Each refusal is evidence that outlives the failed request.
    const { rows } = await t.superuser.query(
      "SELECT outcome, reason, target_id, after FROM audit_log WHERE action = 'vault_secret.reveal' AND outcome <> 'success' AND actor_id = $1",
      [revealer.id],
    );
    expect(rows).toEqual(
      Array.from({ length: 4 }, () => ({
        outcome: 'failure',
        reason: 'undecryptable',
        target_id: expect.any(String),
        after: { name: 'moved', version: 1 },
      })),
    );
    await replaceWith(original.sealed_value);
    expect((await revealed(revealer, 'moved')).value).toBe(mine);
  });

  it('binds a ciphertext to its secret and version number too: the same row renumbered or handed to a sibling secret does not open [V11.3.3]', async () => {
    expect((await create(writer, 'bound', secretValue('bound'))).statusCode).toBe(201);
    expect((await create(writer, 'bound-sibling', secretValue('bound-sibling'))).statusCode).toBe(201);
    const { rows } = await t.superuser.query<{ id: string; secret_id: string; name: string }>(
      `SELECT v.id, v.secret_id, s.name FROM vault_secret_versions v JOIN vault_secrets s ON s.id = v.secret_id
        WHERE s.workspace_id = $1 AND s.environment = 'live' AND s.name IN ('bound', 'bound-sibling')`,
      [writer.workspaceId],
    );
    const bound = rows.find((row) => row.name === 'bound')!;
    const sibling = rows.find((row) => row.name === 'bound-sibling')!;
    const undecryptable = async (secretId: string) =>
      (
        await t.superuser.query(
          "SELECT 1 FROM audit_log WHERE action = 'vault_secret.reveal' AND reason = 'undecryptable' AND target_id = $1",
          [secretId],
        )
      ).rowCount;

    // Renumbered: same row id, same secret, version 1 becomes 101.
    await t.superuser.query('UPDATE vault_secret_versions SET version = 101 WHERE id = $1', [bound.id]);
    await t.superuser.query('UPDATE vault_secrets SET current_version = 101 WHERE id = $1', [bound.secret_id]);
    expectProblem(await reveal(revealer, 'bound'), 500, 'INTERNAL');
    expect(await undecryptable(bound.secret_id)).toBe(1);

    // Handed to the sibling secret (same row id, same workspace and environment) as its version 2.
    await t.superuser.query('UPDATE vault_secret_versions SET secret_id = $2, version = 2 WHERE id = $1', [bound.id, sibling.secret_id]);
    await t.superuser.query('UPDATE vault_secrets SET current_version = 2 WHERE id = $1', [sibling.secret_id]);
    expectProblem(await reveal(revealer, 'bound-sibling'), 500, 'INTERNAL');
    expect(await undecryptable(sibling.secret_id)).toBe(1);
  });

  it('lets a value leave only with its audit row: a reveal whose row cannot be written answers 500 without the value [V16.5.3]', async () => {
    const value = secretValue('unaudited');
    expect((await create(writer, 'unaudited', value)).statusCode).toBe(201);
    await t.superuser.query(`
      CREATE FUNCTION spec_refuse_reveal_rows() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.action = 'vault_secret.reveal' AND NEW.outcome = 'success' THEN RAISE EXCEPTION 'audit unavailable'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER spec_refuse_reveal_rows BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION spec_refuse_reveal_rows();`);
    try {
      const response = await reveal(revealer, 'unaudited');
      expectProblem(response, 500, 'INTERNAL');
      expect(response.body).not.toContain(value);
    } finally {
      await t.superuser.query('DROP TRIGGER spec_refuse_reveal_rows ON audit_log; DROP FUNCTION spec_refuse_reveal_rows();');
    }
    expect((await revealed(revealer, 'unaudited')).value).toBe(value);
  });

  it('zeroes the plaintext buffers it seals and opens', async () => {
    const cipher = t.app.get(AesGcmCipher);
    const encrypt = jest.spyOn(cipher, 'encrypt');
    const decrypt = jest.spyOn(cipher, 'decrypt');
    try {
      const value = secretValue('zeroed');
      expect((await create(writer, 'zeroed', value)).statusCode).toBe(201);
      expect((await revealed(revealer, 'zeroed')).value).toBe(value);
      const sealed = encrypt.mock.calls.map(([plaintext]) => Buffer.from(plaintext));
      const opened = decrypt.mock.results.map((result) => result.value as Buffer);
      expect(sealed).toHaveLength(1);
      expect(opened).toHaveLength(1);
      for (const buffer of [...sealed, ...opened]) expect(buffer.every((byte) => byte === 0)).toBe(true);
    } finally {
      encrypt.mockRestore();
      decrypt.mockRestore();
    }
  });

  it('never lets a value reach a log line, an audit row, an error body or a table in clear [V16.2.5]', async () => {
    expect(values.length).toBeGreaterThan(20);
    const logs = t.rawLogs();
    expect(logs).toContain('/v1/vault/secrets');
    const { rows: audit } = await t.superuser.query(
      "SELECT string_agg(row_to_json(a)::text, ' ') AS text FROM audit_log a WHERE action LIKE 'vault_secret.%'",
    );
    expect(audit[0].text).toContain('vault_secret.reveal');
    const { rows: tables } = await t.superuser.query(
      `SELECT string_agg(t, ' ') AS text FROM (
         SELECT row_to_json(s)::text AS t FROM vault_secrets s UNION ALL
         SELECT row_to_json(v)::text || encode(v.sealed_value, 'escape') FROM vault_secret_versions v) x`,
    );
    for (const value of values) {
      const probe = value.slice(-32);
      expect({
        value: probe,
        inLogs: logs.includes(probe),
        inAudit: audit[0].text.includes(probe),
        inTables: tables[0].text.includes(probe),
      }).toEqual({
        value: probe,
        inLogs: false,
        inAudit: false,
        inTables: false,
      });
    }
  });

  it('answers an admin token on vault routes with a 401: the vault is the workspace’s alone [V8.2.1 API5:2023]', async () => {
    for (const [method, url] of [
      ['GET', '/v1/vault/secrets'],
      ['POST', '/v1/vault/secrets/custody.api-secret/reveal'],
    ] as const) {
      const response = await t.app.inject({ method, url, headers: admin.headers, ...(method === 'POST' ? { payload: {} } : {}) });
      expect(response.statusCode).toBe(401);
      expect(response.body).not.toContain('value');
    }
  });
});

describe('the vault’s limits', () => {
  // An api instance: a reveal's event nudges no delivery job whose units of work the spy would count.
  const t = useTestApp({
    env: { RINGFENCE_ROLE: 'api', VAULT_REVEALS_PER_MINUTE: '3', VAULT_WORKSPACE_REVEALS_PER_MINUTE: '5', VAULT_MAX_SECRETS: '2' },
  });

  it('limits reveals per key: past the budget a 429 with Retry-After, audited once; other keys go on [API6:2023]', async () => {
    const key = await t.newKey({ scopes: ['vault:write', 'vault:reveal'] });
    const sibling = await t.newKey({ workspace: key.workspaceId, scopes: ['vault:reveal'] });
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/vault/secrets',
      headers: key.headers,
      payload: { name: 'limited', value: 'v' },
    });
    expect(created.statusCode).toBe(201);
    const revealOnce = (k: TestKey) =>
      t.app.inject({ method: 'POST', url: '/v1/vault/secrets/limited/reveal', headers: k.headers, payload: {} });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await revealOnce(key)).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const refused = await revealOnce(key);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // It says which limit refused it, and its headers state that limit (not the key's request limit, which has room).
    expect(refused.json<{ code: string; detail: string }>()).toMatchObject({
      code: 'RATE_LIMITED',
      detail: expect.stringMatching(/^Too many reveals for this key: at most 3 a minute \(VAULT_REVEALS_PER_MINUTE\)/),
    });
    expect(statedLimit(refused.headers)).toEqual({
      policy: 'vault-reveal-key',
      remaining: 0,
      reset: Number(refused.headers['retry-after']),
      quota: 3,
      window: 60,
    });
    expect((await revealOnce(sibling)).statusCode).toBe(200);
    const { rows } = await t.superuser.query(
      "SELECT actor_id, outcome, reason FROM audit_log WHERE action = 'vault_secret.reveal' AND actor_id = $1 ORDER BY id",
      [key.id],
    );
    expect(rows.map((row: { outcome: string; reason: string | null }) => `${row.outcome}:${row.reason ?? ''}`)).toEqual([
      'success:',
      'success:',
      'success:',
      'denied:rate_limited',
    ]);
  });

  it('limits reveals per vault too, whichever keys ask: new keys buy no new reveals, and a key refused on its own spends nothing of the vault’s [API6:2023]', async () => {
    const first = await t.newKey({ scopes: ['vault:write', 'vault:reveal'] });
    const [second, third] = [
      await t.newKey({ workspace: first.workspaceId, scopes: ['vault:reveal'] }),
      await t.newKey({ workspace: first.workspaceId, scopes: ['vault:reveal'] }),
    ];
    const testSide = await t.newKey({ workspace: first.workspaceId, scopes: ['vault:write', 'vault:reveal'], environment: 'test' });
    for (const key of [first, testSide]) {
      expect(
        (await t.app.inject({ method: 'POST', url: '/v1/vault/secrets', headers: key.headers, payload: { name: 'shared', value: 'v' } }))
          .statusCode,
      ).toBe(201);
    }
    const revealOnce = (k: TestKey) =>
      t.app.inject({ method: 'POST', url: '/v1/vault/secrets/shared/reveal', headers: k.headers, payload: {} });
    const statuses = async (k: TestKey, times: number) => {
      const seen: number[] = [];
      for (let i = 0; i < times; i++) seen.push((await revealOnce(k)).statusCode);
      return seen;
    };
    expect(await statuses(first, 5)).toEqual([200, 200, 200, 429, 429]); // its own budget: 3
    expect(await statuses(second, 3)).toEqual([200, 200, 429]); // the vault's: 5
    expect(await statuses(third, 1)).toEqual([429]);
    const full = await revealOnce(third);
    expect(full.json<{ detail: string }>().detail).toMatch(/^Too many reveals from this vault .* at most 5 a minute across its keys/);
    expect(statedLimit(full.headers)).toEqual({
      policy: 'vault-reveal-vault',
      remaining: 0,
      reset: Number(full.headers['retry-after']),
      quota: 5,
      window: 60,
    });
    expect(await statuses(testSide, 1)).toEqual([200]); // the test environment is another vault
    const deniedOf = async (key: TestKey) =>
      (
        await t.superuser.query("SELECT 1 FROM audit_log WHERE action = 'vault_secret.reveal' AND outcome = 'denied' AND actor_id = $1", [
          key.id,
        ])
      ).rowCount;
    // The vault's first refusal is audited once; a vault known full refuses the third key
    // before it spends anything of its own, so however often it asks, it is never refused
    // on its own budget (which would be audited as its own first refusal).
    expect(await deniedOf(second)).toBe(1);
    expect(await statuses(third, 4)).toEqual([429, 429, 429, 429]);
    expect(await deniedOf(third)).toBe(0);
    // Nor does a refusal open a transaction for the route; an admitted reveal does.
    const run = jest.spyOn(t.app.get(UnitOfWork), 'run');
    try {
      expect(await statuses(third, 1)).toEqual([429]);
      expect(run).not.toHaveBeenCalled();
      expect(await statuses(testSide, 1)).toEqual([200]);
      expect(run).toHaveBeenCalled();
    } finally {
      run.mockRestore();
    }
  });

  it('holds a vault to VAULT_MAX_SECRETS, even under concurrent creates [V15.4.2 API4:2023]', async () => {
    const key = await t.newKey({ scopes: ['vault:write'] });
    const responses = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        t.app.inject({ method: 'POST', url: '/v1/vault/secrets', headers: key.headers, payload: { name: `s${i}`, value: 'v' } }),
      ),
    );
    expect(responses.map((response) => response.statusCode).sort()).toEqual([201, 201, 422, 422, 422]);
    expect(responses.find((response) => response.statusCode === 422)!.json()).toMatchObject({ code: 'VAULT_FULL' });
    // The test environment is a vault of its own.
    const testKey = await t.newKey({ workspace: key.workspaceId, scopes: ['vault:write'], environment: 'test' });
    expect(
      (await t.app.inject({ method: 'POST', url: '/v1/vault/secrets', headers: testKey.headers, payload: { name: 's0', value: 'v' } }))
        .statusCode,
    ).toBe(201);
  });
});
