import { ExpiringMap } from '@ringfence/limits';
import type { Principal } from '@ringfence/tenancy';
import { hash } from 'node:crypto';

type KeyPrincipal = Extract<Principal, { kind: 'api_key' }>;

/**
 * Keys that passed every check, by the SHA-256 of the whole key, for at most `ttlMs` and
 * never past the key's own expiry. A bounded time to live is what makes revocation,
 * suspension and expiry reach every instance within seconds without any messaging;
 * changes made on this instance forget the entries at once.
 */
export class VerifiedKeyCache {
  private readonly entries = new ExpiringMap<string, KeyPrincipal>();
  /** Bumped by every forget: a look-up that began before one must not cache what it read. */
  private forgets = 0;

  constructor(private readonly ttlMs: number) {}

  static fingerprint(key: string): string {
    return hash('sha256', key, 'base64url');
  }

  get(fingerprint: string, now = Date.now()): KeyPrincipal | undefined {
    return this.entries.get(fingerprint, now);
  }

  /** Taken before a look-up and handed to `set`. */
  get generation(): number {
    return this.forgets;
  }

  /** Caches a look-up's result, unless a key or workspace was forgotten since it began (it may have read the old row). */
  set(fingerprint: string, principal: KeyPrincipal, expiresAt: number | null, generation: number, now = Date.now()): void {
    if (this.ttlMs > 0 && generation === this.forgets)
      this.entries.set(fingerprint, principal, Math.min(now + this.ttlMs, expiresAt ?? Infinity));
  }

  forgetKey(keyId: string): void {
    this.forgets += 1;
    this.entries.deleteWhere((principal) => principal.keyId === keyId);
  }

  forgetWorkspace(workspaceId: string): void {
    this.forgets += 1;
    this.entries.deleteWhere((principal) => principal.workspaceId === workspaceId);
  }
}
