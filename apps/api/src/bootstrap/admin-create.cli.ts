import 'reflect-metadata';
import { ADMIN_ROLES, AdminRole } from '@ringfence/tenancy';
import { parseArgs } from 'node:util';
import { AdminIdentityProblems } from '../admin-identity/admin-identity.problems';
import { AdminBootstrap } from '../admin-identity/admins/admin-bootstrap';
import { withCliContext } from './cli-context';
import { describeFailure } from './failure-message';

/**
 * `npm run admin:create -- --email ops@example.com [--role owner|admin|auditor]`: creates
 * an admin on the configured database (or the embedded one, when the service is not
 * running on it) and prints a one-time password, once, on this terminal. The admin
 * replaces it and enrols TOTP at first login. Audited as the system.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { email: { type: 'string' }, role: { type: 'string', default: 'owner' } } });
  const email = values.email?.trim();
  const role = values.role as AdminRole;
  if (!email || !/^[^\s@]+@[^\s@]+$/.test(email) || !ADMIN_ROLES.includes(role)) {
    process.stderr.write('usage: npm run admin:create -- --email <address> [--role owner|admin|auditor]\n');
    process.exit(64); // EX_USAGE
  }
  await withCliContext(async (app) => {
    const created = await app.get(AdminBootstrap).create(email, role);
    process.stdout.write(
      `Admin ${created.admin.email} (${created.admin.role}) created.\n` +
        `One-time password (shown once; the first login replaces it and enrols TOTP):\n\n  ${created.oneTimePassword}\n\n`,
    );
  });
}

main().catch((error: unknown) => {
  // A Problem of the ADMIN_EXISTS code (instanceof and code), not whatever has that shape.
  process.stderr.write(
    `admin:create failed: ${AdminIdentityProblems.ADMIN_EXISTS.is(error) ? 'an admin with this email already exists' : describeFailure(error)}\n`,
  );
  process.exit(1);
});
