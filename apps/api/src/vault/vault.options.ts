export const VAULT_OPTIONS = Symbol('VAULT_OPTIONS');

export interface VaultOptions {
  /** Versions kept per secret; adding one past this destroys the oldest. */
  readonly versionsKept: number;
  /** Secrets per workspace and environment. */
  readonly maxSecrets: number;
  /** Reveals per API key and minute. */
  readonly revealsPerMinute: number;
  /** Reveals per vault (workspace and environment) and minute, across its keys. */
  readonly workspaceRevealsPerMinute: number;
}
