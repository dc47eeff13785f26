export interface ApiKeyAuthOptions {
  /** How long a verified key is served from memory (0: checked on every request). At most 4 s. */
  readonly cacheMs: number;
}

export const API_KEY_AUTH_OPTIONS = Symbol('API_KEY_AUTH_OPTIONS');
