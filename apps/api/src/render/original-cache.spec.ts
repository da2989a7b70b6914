import { OriginalCache, OriginalRead, OriginalSource } from './original-cache';

const bytes = (n: number, fill = 1) => Buffer.alloc(n, fill);

/** A strict fake of S3 for one key: counts full reads and metadata checks. */
function fakeSource(body: OriginalRead, state: Awaited<ReturnType<OriginalSource['check']>> = 'current') {
  const calls = { reads: 0, checks: 0 };
  const source: OriginalSource & { state: typeof state } = {
    state,
    read: async () => (calls.reads++, body),
    check: async () => (calls.checks++, source.state),
  };
  return { source, calls };
}

describe('OriginalCache', () => {
  it('reads once for concurrent and later requests; later ones only check the object is unchanged', async () => {
    const cache = new OriginalCache(100, 0);
    const { source, calls } = fakeSource(bytes(10));
    const [a, b] = await Promise.all([cache.read('k', 'e1', source), cache.read('k', 'e1', source)]);
    const c = await cache.read('k', 'e1', source);
    expect(calls).toEqual({ reads: 1, checks: 1 });
    expect(a).toBe(b);
    expect(c).toBe(a);
  });

  it('checks a hit with S3 only once its last check is `recheckMs` old', async () => {
    let now = 0;
    const cache = new OriginalCache(100, 1_000, () => now);
    const { source, calls } = fakeSource(bytes(10));
    await cache.read('k', 'e', source);
    now = 999;
    await cache.read('k', 'e', source);
    expect(calls.checks).toBe(0);
    now = 1_000;
    source.state = null;
    expect(await cache.read('k', 'e', source)).toBeNull();
    expect(calls).toEqual({ reads: 1, checks: 1 });
  });

  it('answers a deleted or overwritten original as S3 does, and forgets it', async () => {
    const cache = new OriginalCache(100, 0);
    const { source, calls } = fakeSource(bytes(10));
    await cache.read('k', 'e', source);
    source.state = 'changed';
    expect(await cache.read('k', 'e', source)).toBe('changed');
    source.state = null;
    await cache.read('k', 'e', source);
    expect(calls.reads).toBe(2);
    expect(await cache.read('k', 'e', source)).toBeNull();
    expect(cache.size.entries).toBe(0);
  });

  it('never answers one ETag with bytes stored under another', async () => {
    const cache = new OriginalCache(100, 0);
    await cache.read('k', 'old', fakeSource(bytes(10, 1)).source);
    const fresh = await cache.read('k', 'new', fakeSource(bytes(10, 2)).source);
    expect((fresh as Buffer)[0]).toBe(2);
  });

  it('keeps no answer that is not bytes, so a missing or changed original is asked again', async () => {
    const cache = new OriginalCache(100, 0);
    expect(await cache.read('k', 'e', fakeSource(null).source)).toBeNull();
    expect(await cache.read('k', 'e', fakeSource('changed').source)).toBe('changed');
    expect(cache.size.entries).toBe(0);
  });

  it('evicts the least recently used to stay within its byte bound, and skips what cannot fit', async () => {
    const cache = new OriginalCache(25, 0);
    await cache.read('a', 'e', fakeSource(bytes(10)).source);
    await cache.read('b', 'e', fakeSource(bytes(10)).source);
    await cache.read('a', 'e', fakeSource(bytes(10)).source); // a is now the most recent
    await cache.read('c', 'e', fakeSource(bytes(10)).source); // b goes
    await cache.read('huge', 'e', fakeSource(bytes(26)).source);
    expect(cache.size).toEqual({ entries: 2, bytes: 20 });
    const b = fakeSource(bytes(10));
    const c = fakeSource(bytes(10));
    await cache.read('b', 'e', b.source);
    await cache.read('c', 'e', c.source);
    expect([b.calls.reads, c.calls.reads]).toEqual([1, 0]);
  });

  it('keeps nothing when its bound is 0', async () => {
    const cache = new OriginalCache(0, 0);
    const { source, calls } = fakeSource(bytes(1));
    await cache.read('k', 'e', source);
    await cache.read('k', 'e', source);
    expect(calls.reads).toBe(2);
  });

  it('does not keep a failed read, so the next request tries S3 again', async () => {
    const cache = new OriginalCache(100, 0);
    const failing: OriginalSource = {
      read: async () => {
        throw new Error('S3 down');
      },
      check: async () => 'current',
    };
    await expect(cache.read('k', 'e', failing)).rejects.toThrow('S3 down');
    expect(await cache.read('k', 'e', fakeSource(bytes(3)).source)).toHaveLength(3);
  });
});
