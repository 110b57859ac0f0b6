/**
 * A map with a size cap that forgets the least recently used entry first, and optionally forgets
 * entries older than `ttlMs`. For caches keyed by something outsiders choose (a user, a channel, a
 * team): a flood of distinct keys costs at most `maxEntries` entries, never memory without end.
 * A Map keeps insertion order, so moving a key to the end on use makes the first key the coldest.
 */
export interface LruOptions {
  readonly maxEntries: number;
  /** Entries older than this (since they were set) count as absent. */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

interface Slot<V> {
  readonly value: V;
  readonly setAt: number;
}

export class LruCache<K, V> {
  readonly #max: number;
  readonly #ttlMs: number | undefined;
  readonly #now: () => number;
  readonly #slots = new Map<K, Slot<V>>();

  constructor(options: LruOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1)
      throw new RangeError(`maxEntries must be a positive integer, not ${options.maxEntries}`);
    this.#max = options.maxEntries;
    this.#ttlMs = options.ttlMs;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#slots.size;
  }

  get maxEntries(): number {
    return this.#max;
  }

  /** The value, now the most recently used; undefined when absent or expired (which drops it). */
  get(key: K): V | undefined {
    const slot = this.#slots.get(key);
    if (!slot) return undefined;
    this.#slots.delete(key);
    if (this.#expired(slot)) return undefined;
    this.#slots.set(key, slot);
    return slot.value;
  }

  /** The value without touching its recency (for a look that is not a use). */
  peek(key: K): V | undefined {
    const slot = this.#slots.get(key);
    return slot && !this.#expired(slot) ? slot.value : undefined;
  }

  has(key: K): boolean {
    return this.peek(key) !== undefined;
  }

  /** Sets the value as the most recently used, forgetting the least recently used beyond the cap. */
  set(key: K, value: V): void {
    this.#slots.delete(key);
    while (this.#slots.size >= this.#max) {
      const coldest = this.#slots.keys().next();
      if (coldest.done) break;
      this.#slots.delete(coldest.value);
    }
    this.#slots.set(key, { value, setAt: this.#now() });
  }

  delete(key: K): boolean {
    return this.#slots.delete(key);
  }

  clear(): void {
    this.#slots.clear();
  }

  /** Live entries, coldest first (expired ones are skipped, not dropped). */
  *entries(): IterableIterator<[K, V]> {
    for (const [key, slot] of this.#slots) if (!this.#expired(slot)) yield [key, slot.value];
  }

  #expired(slot: Slot<V>): boolean {
    return this.#ttlMs !== undefined && this.#now() - slot.setAt >= this.#ttlMs;
  }
}
