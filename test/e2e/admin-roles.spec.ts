import { AdminRole, UnitOfWork } from '@ringfence/tenancy';
import { randomUUID } from 'node:crypto';
import { AdminSessions } from '../../apps/api/src/admin-identity/sessions/admin-sessions';
import { TestAdmin } from '../support/admin-session';
import { describePolicy, listRouteDeclarations } from '../support/route-inventory';
import { useTestApp } from '../support/use-test-app';

const ROLES: AdminRole[] = ['owner', 'admin', 'auditor'];

/** Who may call which admin route, over every admin route the application registers. */
describe('admin roles', () => {
  const t = useTestApp();
  const admins = {} as Record<AdminRole, TestAdmin>;

  beforeAll(async () => {
    for (const role of ROLES) admins[role] = await t.newAdmin(role);
  });

  const openSession = async (adminId: string, stage: 'setup' | 'full' = 'full'): Promise<string> =>
    (
      await t.app.get(UnitOfWork).run(() => t.app.get(AdminSessions).open(adminId, { stage, secondFactor: true, cookie: false }), {
        principal: { kind: 'system', process: 'test' },
      })
    ).accessToken;
  const call = (route: string, token?: string) => {
    const [method, path] = route.split(' ') as [string, string];
    return t.app.inject({
      method: method as 'GET',
      url: path.replace(/:[a-z]+/gi, randomUUID()),
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(method === 'GET' || method === 'DELETE' ? {} : { payload: {} }),
    });
  };

  it('answers 401 without a token, 403 INSUFFICIENT_ROLE to a role not allowed, and lets allowed roles through [V6.3.4 V8.2.1 V8.3.1 API5:2023]', async () => {
    // Admin routes, and the routes an admin or a key may call (the audit view, the webhook list): their roles alike.
    const adminRoutes = listRouteDeclarations(t.app).filter(
      (route) => route.policy?.kind === 'admin' || route.policy?.kind === 'admin_or_api_key',
    );
    expect(adminRoutes.filter((route) => route.policy?.kind === 'admin_or_api_key').length).toBeGreaterThanOrEqual(4);
    expect(adminRoutes.length).toBeGreaterThanOrEqual(13);
    const matrix: string[] = [];
    for (const route of adminRoutes) {
      const policy = route.policy as { kind: 'admin' | 'admin_or_api_key'; roles: AdminRole[] };
      expect((await call(route.route)).statusCode).toBe(401);
      for (const role of ROLES) {
        // A fresh session per call: logout and friends must not spoil the next row.
        const response = await call(route.route, await openSession(admins[role].id));
        const code = response.statusCode === 403 ? response.json<{ code: string }>().code : undefined;
        const allowed = policy.roles.includes(role);
        if (allowed) {
          expect([401, 403].includes(response.statusCode) && code !== 'STEP_UP_REQUIRED').toBe(false);
        } else {
          expect({ route: route.route, role, status: response.statusCode, code }).toEqual({
            route: route.route,
            role,
            status: 403,
            code: 'INSUFFICIENT_ROLE',
          });
        }
        matrix.push(`${route.route} ${role}: ${allowed ? 'allowed' : 'refused'}`);
      }
      expect(describePolicy(route.policy)).toMatch(/^admin roles/);
    }
    expect(matrix).toContain('POST /v1/admin/admins admin: refused');
    expect(matrix).toContain('GET /v1/audit/events admin: refused');
    expect(matrix).toContain('GET /v1/auth/sessions auditor: allowed');
  });

  it('lets a setup-stage session reach only the setup routes [V6.3.3 V6.3.4 V8.2.1 API5:2023]', async () => {
    const adminRoutes = listRouteDeclarations(t.app).filter((route) => route.policy?.kind === 'admin');
    for (const route of adminRoutes) {
      const policy = route.policy as { kind: 'admin'; duringSetup?: boolean };
      const response = await call(route.route, await openSession(admins.owner.id, 'setup'));
      const refused = response.statusCode === 403 && response.json<{ code: string }>().code === 'ACCOUNT_SETUP_REQUIRED';
      expect({ route: route.route, refused }).toEqual({ route: route.route, refused: !policy.duringSetup });
    }
  });

  it('audits a refusal for a stale second factor or an unfinished setup as it audits one for a role, in its own transaction [V16.3.2]', async () => {
    // Not an owner: the last-owner test below counts them.
    const who = await t.newAdmin('admin');
    const setup = await openSession(who.id, 'setup');
    const fresh = await openSession(who.id);
    await t.superuser.query(`UPDATE admin_sessions SET second_factor_at = now() - interval '6 minutes' WHERE id = $1`, [
      who.session.sessionId,
    ]);
    const cases = [
      // A mutating step-up route: the refused request's own transaction never opens, the row stays.
      { requestId: 'req-refusal-step-up', route: 'POST /v1/auth/recovery-codes', token: who.session.accessToken, code: 'STEP_UP_REQUIRED' },
      { requestId: 'req-refusal-setup', route: 'GET /v1/auth/sessions', token: setup, code: 'ACCOUNT_SETUP_REQUIRED' },
      {
        requestId: 'req-refusal-role',
        route: 'GET /v1/admin/jobs',
        token: await openSession(admins.auditor.id),
        code: 'INSUFFICIENT_ROLE',
      },
    ];
    for (const { requestId, route, token, code } of cases) {
      const [method, url] = route.split(' ') as ['GET' | 'POST', string];
      const response = await t.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, 'x-request-id': requestId } });
      expect({ route, status: response.statusCode, code: response.json<{ code: string }>().code }).toEqual({ route, status: 403, code });
      const { rows } = await t.superuser.query(
        'SELECT action, outcome, reason, actor_type, actor_id, target_type, target_id FROM audit_log WHERE client_request_id = $1',
        [requestId],
      );
      expect({ route, rows }).toEqual({
        route,
        rows: [
          {
            action: 'auth.authorize',
            outcome: 'denied',
            reason: code.toLowerCase(),
            actor_type: 'admin',
            actor_id: code === 'INSUFFICIENT_ROLE' ? admins.auditor.id : who.id,
            target_type: 'route',
            target_id: route,
          },
        ],
      });
    }
    // An admitted request writes no refusal: the same admin, fully signed in with a fresh factor.
    const admitted = await t.app.inject({
      method: 'GET',
      url: '/v1/auth/sessions',
      headers: { authorization: `Bearer ${fresh}`, 'x-request-id': 'req-refusal-none' },
    });
    expect(admitted.statusCode).toBe(200);
    const { rows } = await t.superuser.query('SELECT 1 FROM audit_log WHERE client_request_id = $1', ['req-refusal-none']);
    expect(rows).toEqual([]);
  });

  describe('managing admins (owners)', () => {
    it('creates an admin with a one-time password shown once, audited without it [V15.3.3]', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/admin/admins',
        headers: { ...admins.owner.headers, 'x-request-id': 'req-admin-create' },
        payload: { email: 'New.Admin@Example.com', role: 'admin' },
      });
      expect(response.statusCode).toBe(201);
      const body = response.json<{ admin: { id: string; email: string; role: string }; oneTimePassword: string }>();
      expect(body.admin).toMatchObject({ email: 'new.admin@example.com', role: 'admin', status: 'active', totpEnabled: false });
      expect(body.oneTimePassword).toMatch(/^[0-9A-Z-]{30,}$/);
      const { rows } = await t.superuser.query('SELECT action, target_id, after::text FROM audit_log WHERE client_request_id = $1', [
        'req-admin-create',
      ]);
      expect(rows).toMatchObject([{ action: 'admin.create', target_id: body.admin.id }]);
      expect(rows[0].after).not.toContain(body.oneTimePassword);
      expect(rows[0].after).not.toMatch(/argon2/);
      const again = await t.app.inject({
        method: 'POST',
        url: '/v1/admin/admins',
        headers: admins.owner.headers,
        payload: { email: 'new.admin@example.com', role: 'auditor' },
      });
      expect(again.statusCode).toBe(409);
      const mass = await t.app.inject({
        method: 'POST',
        url: '/v1/admin/admins',
        headers: admins.owner.headers,
        payload: { email: 'mass@example.com', role: 'admin', passwordHash: 'x', status: 'disabled' },
      });
      expect(mass.statusCode).toBe(400);
    });

    it('needs a second factor within five minutes to grant or change a role (step-up) [V7.5.3]', async () => {
      const target = await t.newAdmin('auditor');
      await t.superuser.query(`UPDATE admin_sessions SET second_factor_at = now() - interval '6 minutes' WHERE id = $1`, [
        admins.owner.session.sessionId,
      ]);
      const patch = () =>
        t.app.inject({ method: 'PATCH', url: `/v1/admin/admins/${target.id}`, headers: admins.owner.headers, payload: { role: 'admin' } });
      const stale = await patch();
      expect(stale.statusCode).toBe(403);
      expect(stale.json()).toMatchObject({ code: 'STEP_UP_REQUIRED' });
      const create = await t.app.inject({
        method: 'POST',
        url: '/v1/admin/admins',
        headers: admins.owner.headers,
        payload: { email: 'stale@example.com', role: 'owner' },
      });
      expect(create.statusCode).toBe(403);
      expect(create.json()).toMatchObject({ code: 'STEP_UP_REQUIRED' });
      const wrong = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/step-up',
        headers: admins.owner.headers,
        payload: { code: '000000' },
      });
      expect(wrong.statusCode).toBe(403);
      const stepUp = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/step-up',
        headers: admins.owner.headers,
        payload: { code: admins.owner.secondFactor() },
      });
      expect(stepUp.statusCode).toBe(204);
      const fresh = await patch();
      expect(fresh.statusCode).toBe(200);
      expect(fresh.json()).toMatchObject({ id: target.id, role: 'admin' });
      const { rows } = await t.superuser.query(`SELECT before, after FROM audit_log WHERE action = 'admin.update' AND target_id = $1`, [
        target.id,
      ]);
      expect(rows).toEqual([{ before: { role: 'auditor', status: 'active' }, after: { role: 'admin', status: 'active' } }]);
    });

    it('regenerates recovery codes only after a fresh second factor, invalidating the old set [V7.5.3]', async () => {
      const who = await t.newAdmin('auditor');
      const regenerate = () => t.app.inject({ method: 'POST', url: '/v1/auth/recovery-codes', headers: who.headers });
      const first = await regenerate();
      expect(first.statusCode).toBe(201);
      const codes = first.json<{ recoveryCodes: string[] }>().recoveryCodes;
      expect(codes).toHaveLength(10);
      expect(new Set(codes).size).toBe(10);
      await t.superuser.query(`UPDATE admin_sessions SET second_factor_at = now() - interval '6 minutes' WHERE admin_id = $1`, [who.id]);
      expect((await regenerate()).statusCode).toBe(403);
      // The old set (from enrolment) no longer works; the new one does.
      const stepWithOld = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/step-up',
        headers: who.headers,
        payload: { code: who.recoveryCodes[0] },
      });
      expect(stepWithOld.statusCode).toBe(403);
      const stepWithNew = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/step-up',
        headers: who.headers,
        payload: { code: codes[0] },
      });
      expect(stepWithNew.statusCode).toBe(204);
    });

    it('ends every session of a disabled admin at once [V7.4.2]', async () => {
      const target = await t.newAdmin('admin');
      const second = await openSession(target.id);
      const disable = await t.app.inject({
        method: 'PATCH',
        url: `/v1/admin/admins/${target.id}`,
        headers: admins.owner.headers,
        payload: { status: 'disabled' },
      });
      expect(disable.statusCode).toBe(200);
      for (const token of [target.session.accessToken, second]) {
        expect((await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(
          401,
        );
      }
      const refresh = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/refresh',
        payload: { refreshToken: target.session.refreshToken },
      });
      expect(refresh.statusCode).toBe(401);
    });

    it('never demotes or disables the last active owner, even under concurrent changes', async () => {
      const sole = admins.owner;
      for (const change of [{ role: 'admin' }, { status: 'disabled' }]) {
        const response = await t.app.inject({
          method: 'PATCH',
          url: `/v1/admin/admins/${sole.id}`,
          headers: sole.headers,
          payload: change,
        });
        expect(response.statusCode).toBe(409);
        expect(response.json()).toMatchObject({ code: 'LAST_OWNER' });
      }
      const other = await t.newAdmin('owner');
      const [a, b] = await Promise.all([
        t.app.inject({ method: 'PATCH', url: `/v1/admin/admins/${other.id}`, headers: sole.headers, payload: { role: 'admin' } }),
        t.app.inject({ method: 'PATCH', url: `/v1/admin/admins/${sole.id}`, headers: other.headers, payload: { role: 'auditor' } }),
      ]);
      // One wins. The other is refused as the last owner (409), or, when it authenticated
      // only after the first committed, because its caller is no longer an owner (403).
      const statuses = [a.statusCode, b.statusCode].sort();
      expect(statuses[0]).toBe(200);
      expect([403, 409]).toContain(statuses[1]);
      const { rows } = await t.superuser.query(`SELECT count(*)::int AS owners FROM admins WHERE role = 'owner' AND status = 'active'`);
      expect(rows[0].owners).toBe(1);
    });
  });
});
