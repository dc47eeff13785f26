/**
 * The least a production configuration needs to load (an external database, a secrets
 * directory, SMTP, no migration at boot), with `overrides` over it: for specs of what
 * production refuses or defaults to.
 */
export function productionEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://app@db/rf',
    MIGRATE_ON_BOOT: 'false',
    RINGFENCE_SECRETS_DIR: '/run/secrets/rf',
    SMTP_URL: 'smtp://mail.example.com',
    CONSOLE_URL: 'https://ringfence.example.com/console',
    ...overrides,
  };
}
