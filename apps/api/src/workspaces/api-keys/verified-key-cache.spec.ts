import { VerifiedKeyCache } from './verified-key-cache';

const principal = (keyId: string, workspaceId: string) => ({
  kind: 'api_key' as const,
  keyId,
  workspaceId,
  scopes: ['vault:read'],
  environment: 'live' as const,
  plan: 'standard',
  expiresAt: null,
});

describe('VerifiedKeyCache', () => {
  const now = 1_700_000_000_000;

  it('serves a key for its time to live, never past the key’s expiry', () => {
    const cache = new VerifiedKeyCache(2000);
    cache.set('a', principal('K1', 'W1'), null, cache.generation, now);
    cache.set('b', principal('K2', 'W1'), now + 500, cache.generation, now);
    expect(cache.get('a', now + 1999)?.keyId).toBe('K1');
    expect(cache.get('a', now + 2000)).toBeUndefined();
    expect(cache.get('b', now + 499)).toBeDefined();
    expect(cache.get('b', now + 500)).toBeUndefined();
  });

  it('forgets by key and by workspace', () => {
    const cache = new VerifiedKeyCache(2000);
    cache.set('a', principal('K1', 'W1'), null, cache.generation, now);
    cache.set('b', principal('K2', 'W1'), null, cache.generation, now);
    cache.set('c', principal('K3', 'W2'), null, cache.generation, now);
    cache.forgetKey('K3');
    expect(cache.get('c', now)).toBeUndefined();
    cache.forgetWorkspace('W1');
    expect([cache.get('a', now), cache.get('b', now)]).toEqual([undefined, undefined]);
  });

  it('does not cache a look-up that began before a revocation arrived (it may have read the old row)', () => {
    const cache = new VerifiedKeyCache(2000);
    const before = cache.generation;
    cache.forgetKey('K1'); // the notice lands while the look-up is in flight
    cache.set('a', principal('K1', 'W1'), null, before, now);
    expect(cache.get('a', now)).toBeUndefined();
    cache.set('a', principal('K1', 'W1'), null, cache.generation, now);
    expect(cache.get('a', now)).toBeDefined();
  });

  it('keeps nothing with a zero time to live, and fingerprints without keeping the key', () => {
    const cache = new VerifiedKeyCache(0);
    cache.set('a', principal('K1', 'W1'), null, cache.generation, now);
    expect(cache.get('a', now)).toBeUndefined();
    expect(VerifiedKeyCache.fingerprint('rf_live_x')).not.toContain('rf_live_x');
  });
});
