export const PROVIDERS_OPTIONS = Symbol('PROVIDERS_OPTIONS');

/** The provider name (COSIGNER_PROVIDERS) the Fireblocks-shaped HTTP adapter answers to. */
export const FIREBLOCKS_PROVIDER = 'fireblocks';

/** The Fireblocks-shaped HTTP adapter's settings (the `fireblocks` provider). */
export interface FireblocksOptions {
  /** FIREBLOCKS_BASE_URL: the API's origin (`https://api.fireblocks.io`); requests go to `<base>/v1/…`. https in production. */
  readonly baseUrl: string;
  /** FIREBLOCKS_TIMEOUT_MS: one call, connection to the last byte of the answer. */
  readonly timeoutMs: number;
  /** FIREBLOCKS_API_KEY_VERSION: which `fireblocks-api-key.vN.key` (and `fireblocks-api.vN.pem`); the highest when unset. */
  readonly apiKeyVersion?: number;
}

/** The custody providers' adapters, as configured (AppConfig.custody). */
export interface ProvidersOptions {
  /** COSIGNER_PROVIDERS: the names an adapter is made for, when one exists for that name. */
  readonly providers: readonly string[];
  /** Where development keeps the simulator's own co-signer key (`<dataDir>/simulator/`). */
  readonly dataDir: string;
  readonly simulator: {
    /** SIMULATOR_COSIGNER_ENABLED: its co-signer asks our callback about each transaction it accepts. */
    readonly cosigner: boolean;
    /** SIMULATOR_WEBHOOKS_ENABLED, and the simulator's inbound events configured: it announces each transaction it settles. */
    readonly webhooks: boolean;
    /** SIMULATOR_RETRY_INTERVAL_MS: after a RETRY, the same request again this long after (the provider's default: 3 minutes). */
    readonly retryIntervalMs: number;
    /** SIMULATOR_RETRY_FOR_MS: retries stop, and the transaction fails, this long after the first call (default: 60 minutes). */
    readonly retryForMs: number;
  };
  /** Present when COSIGNER_PROVIDERS names `fireblocks`. */
  readonly fireblocks?: FireblocksOptions;
}
