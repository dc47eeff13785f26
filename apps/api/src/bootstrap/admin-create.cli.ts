import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AdminBootstrap } from '@ringfence/auth';
import { ADMIN_ROLES, AdminRole } from '@ringfence/tenancy';
import { parseArgs } from 'node:util';
import { AppModule } from '../app.module';
import { ConfigError, loadConfig } from '../config/app-config';
import { prepareDatabase } from '../database/database-bootstrap';
import { createAppLogger } from '../logging/app-logger';
import { prepareSecretsDirectory } from './development-secrets';

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
  let config;
  try {
    config = { ...loadConfig(process.env), role: 'api' as const }; // no background workers here
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  const logger = createAppLogger({ logLevel: 'warn' });
  prepareSecretsDirectory(config, logger);
  const database = await prepareDatabase(config, logger);
  try {
    const app = await NestFactory.createApplicationContext(AppModule.register({ config, databaseUrl: database.appUrl, logger }), { logger: false });
    try {
      const created = await app.get(AdminBootstrap).create(email, role);
      process.stdout.write(
        `Admin ${created.admin.email} (${created.admin.role}) created.\n` +
          `One-time password (shown once; the first login replaces it and enrols TOTP):\n\n  ${created.oneTimePassword}\n\n`,
      );
    } finally {
      await app.close();
    }
  } finally {
    await database.stop();
  }
}

main().catch((error: unknown) => {
  const code = (error as { response?: { code?: string } }).response?.code;
  process.stderr.write(`admin:create failed: ${code === 'ADMIN_EXISTS' ? 'an admin with this email already exists' : error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
