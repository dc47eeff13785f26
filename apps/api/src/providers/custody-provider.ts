/**
 * The port between Ringfence and a custody provider's API (docs/architecture.md layout:
 * `apps/api/src/providers`): what the cosigner's transfers need of it. Adapters: the
 * provider simulator (development and tests) and a Fireblocks-shaped HTTP one.
 */

/** A transfer intent as a provider is asked to carry it out. */
export interface TransferSubmission {
  /** Our reference (`<workspaceId>:<environment>:<Idempotency-Key>`): the provider refuses a second transaction with it. */
  readonly externalTxId: string;
  readonly asset: string;
  /** A plain decimal string. */
  readonly amount: string;
  readonly source: { readonly type: string; readonly id: string };
  readonly destination: { readonly type?: string; readonly id?: string; readonly address?: string };
  readonly note?: string;
}

export interface CustodyProvider {
  /** The name callbacks arrive under (`/v1/cosigner/:provider`), as configured. */
  readonly name: string;
  /**
   * Asks the provider to create the transaction; it answers with its own id, and later asks
   * our cosigner whether to sign. The same `externalTxId` twice is the same transaction (a
   * resubmission after a lost answer is safe). Throws CustodyProviderRefusal when the
   * provider refused it for good, any other error when it may be tried again.
   */
  submitTransfer(submission: TransferSubmission): Promise<{ readonly providerTxId: string }>;
}

/** The provider refused the transaction for good (a 4xx, an unknown asset): the transfer fails. */
export class CustodyProviderRefusal extends Error {
  override readonly name = 'CustodyProviderRefusal';

  /** `code`: the provider's reason as a short code, safe for a log and a transfer's reason. */
  constructor(readonly code: string) {
    super(`the custody provider refused the transaction (${code})`);
  }
}

/**
 * The provider could not be asked, or did not answer usably (a 5xx, a timeout, the network):
 * the transfer stays submitted, to be submitted again.
 */
export class CustodyProviderUnavailable extends Error {
  override readonly name = 'CustodyProviderUnavailable';

  /** `code`: what failed as a short code (`http_503`, `timeout`, `network`), safe for a log. */
  constructor(readonly code: string) {
    super(`the custody provider is unavailable (${code})`);
  }
}

/** Every configured provider's adapter, by name. */
export const CUSTODY_PROVIDERS = Symbol('CUSTODY_PROVIDERS');
export type CustodyProviders = ReadonlyMap<string, CustodyProvider>;
