import { join } from 'node:path';

export const COSIGNER_OPTIONS = Symbol('COSIGNER_OPTIONS');

/** The development provider: it plays a custody provider and its co-signer with a key made on this host (refused in production). */
export const SIMULATOR_PROVIDER = 'simulator';

export interface CosignerOptions {
  /** The providers whose co-signer calls `/v1/cosigner/:provider`, each with its `cosigner-<provider>.pub.vN.pem`. */
  readonly providers: readonly string[];
  /** The response key version (`cosigner-response.vN.pem`) that signs answers; the highest when unset. */
  readonly responseKeyVersion?: number;
  /** From the first sight of a requestId, a decision that fails answers RETRY this long, then REJECT. */
  readonly decisionDeadlineMs: number;
  /** Statement and lock timeout of a decision's transaction: the answer must leave well inside the provider's 30 s. */
  readonly decisionTimeoutMs: number;
  /** A transfer still `submitted` this long after its creation is handed to its provider again (the transfer-resubmit job). */
  readonly resubmitAfterMs: number;
  /** At most this many transfers a turn of that job, oldest first. */
  readonly resubmitBatch: number;
  /** The providers whose transaction events arrive at `/v1/inbound/:provider/webhooks` (INBOUND_WEBHOOK_PROVIDERS). */
  readonly inbound: {
    readonly providers: readonly InboundProvider[];
    /** INBOUND_EVENT_RETENTION_HOURS: how long a delivered event's id is remembered. */
    readonly retentionHours: number;
  };
}

/** How a provider signs its webhooks: as Fireblocks does (RSA-SHA512 of the body), or Standard Webhooks (HMAC-SHA256, `whsec_`). */
export const INBOUND_SCHEMES = ['fireblocks', 'standard'] as const;
export type InboundScheme = (typeof INBOUND_SCHEMES)[number];

export interface InboundProvider {
  readonly provider: string;
  readonly scheme: InboundScheme;
}

/**
 * Where development keeps the simulator's own co-signer key: the provider's private key, so
 * outside our secrets directory (its public half is `cosigner-simulator.pub.vN.pem` there).
 */
export function simulatorPrivateKeyFile(dataDir: string, version = 1): string {
  return join(dataDir, 'simulator', `cosigner-${SIMULATOR_PROVIDER}.v${version}.pem`);
}

/** Where development keeps the simulator's webhook signing key (the provider's; its public half is `webhook-simulator.pub.vN.pem`). */
export function simulatorWebhookKeyFile(dataDir: string, version = 1): string {
  return join(dataDir, 'simulator', `webhook-${SIMULATOR_PROVIDER}.v${version}.pem`);
}
