import { SessionState, SessionStateCache } from './session-state-cache';

const state = (adminId: string, expiresAt: number): SessionState => ({
  adminId,
  email: `${adminId}@example.com`,
  role: 'admin',
  stage: 'full',
  secondFactorAt: null,
  totpEnabled: true,
  passwordMustChange: false,
  expiresAt,
});

describe('SessionStateCache', () => {
  const now = 1_700_000_000_000;

  it('serves an entry for its time to live, never past the session’s own expiry', () => {
    const cache = new SessionStateCache(1000);
    cache.set('s1', state('a1', now + 60_000), now);
    cache.set('s2', state('a1', now + 500), now);
    expect(cache.get('s1', now + 999)?.adminId).toBe('a1');
    expect(cache.get('s1', now + 1000)).toBeUndefined();
    expect(cache.get('s2', now + 499)).toBeDefined();
    expect(cache.get('s2', now + 500)).toBeUndefined();
  });

  it('forgets one session, or every session of an admin', () => {
    const cache = new SessionStateCache(1000);
    cache.set('s1', state('a1', now + 60_000), now);
    cache.set('s2', state('a1', now + 60_000), now);
    cache.set('s3', state('a2', now + 60_000), now);
    cache.forget('s3');
    expect(cache.get('s3', now)).toBeUndefined();
    cache.forgetAdmin('a1');
    expect([cache.get('s1', now), cache.get('s2', now)]).toEqual([undefined, undefined]);
  });

  it('keeps nothing with a zero time to live', () => {
    const cache = new SessionStateCache(0);
    cache.set('s1', state('a1', now + 60_000), now);
    expect(cache.get('s1', now)).toBeUndefined();
  });
});
