import 'reflect-metadata';
import { ADMIN_ROLES, AdminRole } from '@ringfence/tenancy';
import { CliSpec, EXIT, runCli, UsageError } from './cli-command';

const ADMIN_CREATE: CliSpec = {
  name: 'admin:create',
  summary: 'create a platform admin and print a one-time password, once, on this terminal',
  usage: '--email <address> [--role owner|admin|auditor]',
  options: {
    email: { type: 'string', value: '<address>', description: "the admin's email (required)" },
    role: { type: 'string', value: '<role>', default: 'owner', description: `one of ${ADMIN_ROLES.join(', ')}` },
  },
  notes: [
    'The admin replaces the password and enrols TOTP at the first login. Audited as system:admin:create.',
    'Database: DATABASE_URL when set; else the embedded PostgreSQL of RINGFENCE_DATA_DIR (./.data), the running',
    "server's when `npm start` runs (its port read from postmaster.pid), or one started for the command.",
  ],
  examples: [
    'npm run admin:create -- --email ops@example.com',
    'npm run admin:create -- --email auditor@example.com --role auditor',
    'docker compose exec api node bin/ringfence.js admin:create --email ops@example.com',
  ],
  exitCodes: [
    [EXIT.OK, 'created; the one-time password is printed on stdout'],
    [EXIT.FAILED, 'an admin with this email exists, or the command failed (the cause is printed)'],
  ],
};

/** `npm run admin:create -- --email ops@example.com [--role owner|admin|auditor]` (see ADMIN_CREATE). */
runCli(ADMIN_CREATE, async ({ values }) => {
  const email = typeof values.email === 'string' ? values.email.trim() : '';
  const role = values.role as AdminRole;
  if (!email) throw new UsageError('--email <address> is required');
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new UsageError(`--email must be an email address (got '${email}')`);
  if (!ADMIN_ROLES.includes(role)) throw new UsageError(`--role must be one of ${ADMIN_ROLES.join(', ')} (got '${String(values.role)}')`);
  // The application is loaded only now: `--help` and a usage error answer at once.
  const { AdminBootstrap, AdminIdentityProblems, withCliContext } = await import('./cli-services');
  return withCliContext(async (app) => {
    let created;
    try {
      created = await app.get(AdminBootstrap).create(email, role);
    } catch (error) {
      // A Problem of the ADMIN_EXISTS code (instanceof and code), not whatever has that shape.
      if (!AdminIdentityProblems.ADMIN_EXISTS.is(error)) throw error;
      process.stderr.write(`admin:create failed: an admin with this email already exists\n`);
      return EXIT.FAILED;
    }
    process.stdout.write(
      `Admin ${created.admin.email} (${created.admin.role}) created.\n` +
        `One-time password (shown once, valid 72 hours; the first login replaces it and enrols TOTP):\n\n  ${created.oneTimePassword}\n\n`,
    );
    return EXIT.OK;
  });
});
