import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { UnitOfWork } from '@ringfence/tenancy';
import { AdminDirectory } from '../../apps/api/src/admin-identity/admins/admin-directory';
import { PasswordHasher } from '../../apps/api/src/admin-identity/passwords/password-hasher';
import { useTestApp } from '../support/use-test-app';

const ROOT = join(__dirname, '..', '..');

/** The README's "First task, end to end" block: the shell after its marker, up to its fence. */
function firstTask(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const marked = readme.slice(readme.indexOf('<!-- first-task -->'));
  const block = /```sh\n([\s\S]*?)\n```/.exec(marked);
  if (!block) throw new Error('README.md has no first-task block');
  return block[1]!;
}

/** A newcomer's first task, as the README tells it, run by bash against a listening app: it must reach the API with a key. */
describe('the README’s first task', () => {
  const t = useTestApp({ listen: true });

  it('logs in with the one-time password, enrols TOTP, replaces the password, creates a workspace and a key, and calls the API', async () => {
    // The first owner as a first start leaves it: a one-time password, no TOTP yet.
    const email = `first-task-${process.pid}@example.com`;
    const oneTime = 'one-time-Kx7-Qm2-Vz9-Lp4';
    const passwordHash = await t.app.get(PasswordHasher).hash(oneTime);
    await t.app
      .get(UnitOfWork)
      .run(() => t.app.get(AdminDirectory).insert({ email, role: 'owner', passwordHash, passwordMustChange: true }), {
        principal: { kind: 'system', process: 'test' },
      });

    const { stdout } = await promisify(execFile)('bash', ['-c', `set -euo pipefail\n${firstTask()}`], {
      cwd: ROOT,
      env: { PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`, BASE: t.url.origin, EMAIL: email, PASSWORD: oneTime },
    });
    const lines = stdout.trim().split('\n');
    const whoAmI = JSON.parse(lines[lines.length - 1]!) as { workspaceId: string; scopes: string[]; environment: string };
    expect(whoAmI).toEqual({
      workspaceId: expect.any(String),
      keyId: expect.any(String),
      scopes: ['vault:read', 'vault:write'],
      environment: 'live',
    });
    const { rows } = await t.superuser.query('SELECT name FROM workspaces WHERE id = $1', [whoAmI.workspaceId]);
    expect(rows).toEqual([{ name: 'Acme' }]);
    // The recovery codes were printed (kept by the reader), and the admin is set up: TOTP on, password replaced.
    expect(stdout).toMatch(/recovery|\[/i);
    const admin = await t.superuser.query('SELECT password_must_change, totp_enabled_at IS NOT NULL AS totp FROM admins WHERE email = $1', [
      email,
    ]);
    expect(admin.rows).toEqual([{ password_must_change: false, totp: true }]);
  });
});
