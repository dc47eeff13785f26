import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { SimulatorApiServer } from '../../apps/api/src/providers/simulator/simulator-api-server';
import { TEST_COSIGNER_RESPONSE_PUBLIC_KEY, TEST_SIMULATOR_PRIVATE_KEY } from './test-app';

/** The API user's key pair (RSA-2048, made once per test file) and its API key. */
const apiUser = generateKeyPairSync('rsa', { modulusLength: 2048 });
export const FIREBLOCKS_API_KEY = randomUUID();
export const FIREBLOCKS_API_PEM = apiUser.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/**
 * A secrets directory's files for the `fireblocks` provider: the API user's key and private
 * key, and the simulated provider's co-signer public key (the simulator's test key), which
 * verifies its callbacks.
 */
export const FIREBLOCKS_FILES: Record<string, string> = {
  'fireblocks-api-key.v1.key': FIREBLOCKS_API_KEY,
  'fireblocks-api.v1.pem': FIREBLOCKS_API_PEM,
  'cosigner-fireblocks.pub.v1.pem': createPublicKey(TEST_SIMULATOR_PRIVATE_KEY).export({ type: 'spki', format: 'pem' }).toString(),
};

export interface SimulatedFireblocks {
  /** The simulated provider API (started in the block's `beforeAll`). */
  readonly simulator: SimulatorApiServer;
  /** An app's environment for it: the `fireblocks` provider at the simulator, `extra` over it. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Tells the simulator's co-signer where our callback listens (an app started with `listen: true`). */
  connect(app: { url: URL }): void;
}

/**
 * The simulated Fireblocks API for a describe block, started before the app (declare it
 * before `useTestApp`) and closed after the block: its co-signer signs with the simulator's
 * test key, verifies with our response key and retries every 100 ms.
 */
export function useSimulatedFireblocks(): SimulatedFireblocks {
  let simulator: SimulatorApiServer | undefined;
  beforeAll(async () => {
    simulator = await SimulatorApiServer.start({
      apiUser: { apiKey: FIREBLOCKS_API_KEY, publicKey: apiUser.publicKey },
      cosigner: { signingKey: TEST_SIMULATOR_PRIVATE_KEY, responsePublicKey: TEST_COSIGNER_RESPONSE_PUBLIC_KEY, retryIntervalMs: 100 },
    });
  });
  afterAll(() => simulator?.close());
  const started = (): SimulatorApiServer => {
    if (!simulator) throw new Error('the simulated API is used outside its hooks');
    return simulator;
  };
  return {
    get simulator() {
      return started();
    },
    env: (extra = {}) => ({ COSIGNER_PROVIDERS: 'fireblocks', FIREBLOCKS_BASE_URL: started().url, FIREBLOCKS_TIMEOUT_MS: '500', ...extra }),
    connect: (app) => started().useCallback(new URL('v1/cosigner/fireblocks', app.url)),
  };
}
