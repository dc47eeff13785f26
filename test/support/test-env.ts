/** What the global setup hands to every test file, through the environment. */
export const TEST_ENV = {
  adminUrl: 'RF_TEST_ADMIN_URL',
  template: 'RF_TEST_TEMPLATE',
  ownerPassword: 'RF_TEST_OWNER_PASSWORD',
  appPassword: 'RF_TEST_APP_PASSWORD',
  runId: 'RF_TEST_RUN_ID',
} as const;

export function testEnv(name: keyof typeof TEST_ENV): string {
  const value = process.env[TEST_ENV[name]];
  if (!value) throw new Error(`${TEST_ENV[name]} is unset: run the tests through jest (npm test)`);
  return value;
}
