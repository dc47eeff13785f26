import { expectAuditRow, expectProblem } from '../support/assertions';
import { useTestApp } from '../support/use-test-app';

/**
 * The factories make what the routes make: an admin the routes accept as fully set up,
 * who signs in with password and TOTP; keys the gate accepts with exactly their scopes;
 * the audit rows of the routes they stand for.
 */
describe('test factories', () => {
  const t = useTestApp();

  it('makes an admin the routes treat as set up: a full session, then password and TOTP sign-in [V11.4.2]', async () => {
    const admin = await t.newAdmin('auditor');
    const me = await t.inject({ method: 'GET', url: '/v1/auth/me', headers: admin.headers });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: admin.id, email: admin.email, role: 'auditor', stage: 'full', setupRequired: [] });
    const again = await admin.signIn();
    expect(again.stage).toBe('full');
    expect(again.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expectAuditRow(t.superuser, {
      action: 'admin.create',
      target: { type: 'admin', id: admin.id },
      actor: { type: 'system', id: 'test-fixture' },
      after: { role: 'auditor' },
    });
    const { rows } = await t.superuser.query(`SELECT password_hash FROM admins WHERE id = $1`, [admin.id]);
    // The production parameters (argon2id, m = 19 MiB, t = 2): the factory saves hashes, not strength.
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('makes keys the gate accepts for their own scopes and environment only, audited as the route audits', async () => {
    const owner = await t.newAdmin('owner');
    const workspace = await t.newWorkspace({ name: 'factory workspace', by: owner });
    const reader = await t.newKey({ workspace, scopes: ['vault:read'], environment: 'test', by: owner });
    expect(reader.key).toMatch(/^rf_test_/);
    expect(reader.workspaceId).toBe(workspace.id);
    const whoAmI = await t.inject({ method: 'GET', url: '/v1/workspace', headers: reader.headers });
    expect(whoAmI.statusCode).toBe(200);
    expect(whoAmI.json()).toEqual({ workspaceId: workspace.id, keyId: reader.id, scopes: ['vault:read'], environment: 'test' });
    expectProblem(
      await t.inject({ method: 'POST', url: '/v1/vault/secrets/x/reveal', headers: reader.headers, payload: {} }),
      403,
      'INSUFFICIENT_SCOPE',
    );
    await expectAuditRow(t.superuser, {
      action: 'workspace.create',
      target: { type: 'workspace', id: workspace.id },
      actor: { type: 'admin', id: owner.id },
    });
    await expectAuditRow(t.superuser, {
      action: 'api_key.create',
      target: { type: 'api_key', id: reader.id },
      actor: { type: 'admin', id: owner.id },
      workspaceId: workspace.id,
      environment: 'test',
      after: { scopes: ['vault:read'] },
    });
  });

  it('keeps the grant rule: an admin (not an owner) cannot put audit:read in a key', async () => {
    const admin = await t.newAdmin('admin');
    await expect(t.newKey({ scopes: ['audit:read'], by: admin })).rejects.toMatchObject({ status: 403, code: 'INSUFFICIENT_ROLE' });
  });
});
