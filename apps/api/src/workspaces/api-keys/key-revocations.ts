/** A key, or every key of a workspace, that must stop being served from any instance's cache. */
export type KeyRevocation = { readonly keyId: string } | { readonly workspaceId: string };

/**
 * Carries revocations (revoke, rotate, suspend, delete, plan change) between instances.
 * In one process it is a direct call; with Redis it is pub/sub (the application's
 * RedisKeyRevocations). The verified-key cache's lifetime (≤ 4 s) is the backstop when
 * a notice is lost.
 */
export interface KeyRevocations {
  /** Tells every instance, this one included, after the change committed. */
  publish(notice: KeyRevocation): void;
  /** Runs `listener` for every notice, this instance's own included. */
  subscribe(listener: (notice: KeyRevocation) => void): void;
}

export const KEY_REVOCATIONS = Symbol('KEY_REVOCATIONS');

/** One instance: a notice reaches this process's listeners and nothing else. */
export class LocalKeyRevocations implements KeyRevocations {
  private readonly listeners: ((notice: KeyRevocation) => void)[] = [];

  publish(notice: KeyRevocation): void {
    for (const listener of this.listeners) listener(notice);
  }

  subscribe(listener: (notice: KeyRevocation) => void): void {
    this.listeners.push(listener);
  }
}

/** A notice read off a shared channel, or null when it is not one. */
export function parseKeyRevocation(raw: string): KeyRevocation | null {
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return null;
    const { keyId, workspaceId } = value as Record<string, unknown>;
    if (typeof keyId === 'string' && keyId.length <= 64) return { keyId };
    if (typeof workspaceId === 'string' && workspaceId.length <= 64) return { workspaceId };
    return null;
  } catch {
    return null;
  }
}
