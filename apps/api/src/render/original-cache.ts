export type OriginalRead = Buffer | null | 'changed';

/** Where the cache reads an original from, and how it asks whether the stored object is still it. */
export interface OriginalSource {
  read(): Promise<OriginalRead>;
  /** A metadata-only request: the object is still the one verified, gone (null), or 'changed'. */
  check(): Promise<'current' | 'changed' | null>;
}

/**
 * Originals read recently by the render route. A page asking a CDN for a new image's srcset
 * misses the CDN once per size, and each miss would otherwise fetch the same multi-megabyte
 * original from S3 again; on a small origin that transfer costs as much as the render itself.
 *
 * Entries are keyed by object key and the ETag the signed token binds, so a hit can only ever
 * return the bytes the worker verified. A hit is revalidated with a metadata request once
 * `recheckMs` have passed since the last check, so a deleted or overwritten original answers
 * as without the cache after at most that long (a HEAD per render would cost, on a small
 * origin, a fifth of its render rate). Bounded by bytes, least recently used first out. A read
 * already in flight is shared rather than repeated.
 */
export class OriginalCache {
  private readonly entries = new Map<string, { body: Buffer; checkedAt: number }>();
  private readonly inflight = new Map<string, Promise<OriginalRead>>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly recheckMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  async read(key: string, eTag: string, source: OriginalSource): Promise<OriginalRead> {
    const id = `${eTag}\n${key}`;
    const hit = this.entries.get(id);
    if (hit) {
      if (this.now() - hit.checkedAt >= this.recheckMs) {
        const state = await source.check();
        if (state !== 'current') {
          this.remove(id);
          return state;
        }
        hit.checkedAt = this.now();
      }
      // Map order is insertion order: re-inserting makes this the most recently used.
      this.entries.delete(id);
      this.entries.set(id, hit);
      return hit.body;
    }
    const pending = this.inflight.get(id);
    if (pending) return pending;
    const loading = source
      .read()
      .then((result) => {
        if (Buffer.isBuffer(result)) this.store(id, result);
        return result;
      })
      .finally(() => this.inflight.delete(id));
    this.inflight.set(id, loading);
    return loading;
  }

  private store(id: string, body: Buffer): void {
    if (body.length > this.maxBytes) return;
    this.remove(id);
    for (const [oldest] of this.entries) {
      if (this.bytes + body.length <= this.maxBytes) break;
      this.remove(oldest);
    }
    this.entries.set(id, { body, checkedAt: this.now() });
    this.bytes += body.length;
  }

  private remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    this.bytes -= entry.body.length;
  }
}
