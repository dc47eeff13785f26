import { ExpiringMap } from './expiring-map';

describe('ExpiringMap', () => {
  const now = 1_700_000_000_000;

  it('serves an entry until its time, and not at it', () => {
    const map = new ExpiringMap<string, number>();
    map.set('a', 1, now + 10);
    expect(map.get('a', now + 9)).toBe(1);
    expect(map.get('a', now + 10)).toBeUndefined();
    expect(map.size).toBe(0);
  });

  it('drops the oldest entry past its bound, so distinct keys cost bounded memory', () => {
    const map = new ExpiringMap<string, number>(2);
    map.set('a', 1, now + 10);
    map.set('b', 2, now + 10);
    map.set('a', 3, now + 10); // an update is not a new entry
    map.set('c', 4, now + 10);
    expect([map.get('a', now), map.get('b', now), map.get('c', now)]).toEqual([undefined, 2, 4]);
  });

  it('deletes one key or every entry whose value matches', () => {
    const map = new ExpiringMap<string, { owner: string }>();
    map.set('a', { owner: 'x' }, now + 10);
    map.set('b', { owner: 'x' }, now + 10);
    map.set('c', { owner: 'y' }, now + 10);
    map.delete('c');
    map.deleteWhere((value) => value.owner === 'x');
    expect(map.size).toBe(0);
  });
});
