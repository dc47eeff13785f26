/** What the global setup hands to every test file, through the environment. */
export const TEST_ENV = {
  adminUrl: 'RF_TEST_ADMIN_URL',
  template: 'RF_TEST_TEMPLATE',
  ownerPassword: 'RF_TEST_OWNER_PASSWORD',
  appPassword: 'RF_TEST_APP_PASSWORD',
  runId: 'RF_TEST_RUN_ID',
  /** RSA-2048 PKCS#8 PEMs made once per run (slow to make, never committed): our co-signer response key, the simulator's co-signer key. */
  cosignerResponseKey: 'RF_TEST_COSIGNER_RESPONSE_KEY',
  simulatorKey: 'RF_TEST_SIMULATOR_KEY',
} as const;

export function testEnv(name: keyof typeof TEST_ENV): string {
  const value = process.env[TEST_ENV[name]];
  if (!value) throw new Error(`${TEST_ENV[name]} is unset: run the tests through jest (npm test)`);
  return value;
}
