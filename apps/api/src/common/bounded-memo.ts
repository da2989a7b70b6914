/**
 * Remembers `compute(key)` for up to `capacity` keys, forgetting the least recently used first,
 * so a value derived from a key (a pseudonym from a user id) is computed once per active key
 * while memory stays bounded however many distinct keys pass through.
 */
export class BoundedMemo<K, V> {
  // A Map iterates in insertion order; re-inserting on a hit keeps the oldest use first.
  private readonly entries = new Map<K, V>();

  constructor(
    private readonly capacity: number,
    private readonly compute: (key: K) => V,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
  }

  get(key: K): V {
    if (this.entries.has(key)) {
      const value = this.entries.get(key)!;
      this.entries.delete(key);
      this.entries.set(key, value);
      return value;
    }
    const value = this.compute(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}
