import { createHash } from 'node:crypto';
import type { Principal } from '@ringfence/tenancy';

type KeyPrincipal = Extract<Principal, { kind: 'api_key' }>;

const MAX_ENTRIES = 10_000;

/**
 * Keys that passed every check, by the SHA-256 of the whole key, for at most `ttlMs` and
 * never past the key's own expiry. A bounded time to live is what makes revocation,
 * suspension and expiry reach every instance within seconds without any messaging;
 * changes made on this instance forget the entries at once.
 */
export class VerifiedKeyCache {
  private readonly entries = new Map<string, { principal: KeyPrincipal; until: number }>();

  constructor(private readonly ttlMs: number) {}

  static fingerprint(key: string): string {
    return createHash('sha256').update(key).digest('base64url');
  }

  get(fingerprint: string, now = Date.now()): KeyPrincipal | undefined {
    const entry = this.entries.get(fingerprint);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.entries.delete(fingerprint);
      return undefined;
    }
    return entry.principal;
  }

  set(fingerprint: string, principal: KeyPrincipal, expiresAt: number | null, now = Date.now()): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(fingerprint, { principal, until: Math.min(now + this.ttlMs, expiresAt ?? Infinity) });
  }

  forgetKey(keyId: string): void {
    for (const [fingerprint, entry] of this.entries) if (entry.principal.keyId === keyId) this.entries.delete(fingerprint);
  }

  forgetWorkspace(workspaceId: string): void {
    for (const [fingerprint, entry] of this.entries) if (entry.principal.workspaceId === workspaceId) this.entries.delete(fingerprint);
  }
}
