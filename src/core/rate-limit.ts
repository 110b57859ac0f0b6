import { LruCache } from "../lib/lru.js";

export const DEFAULT_MAX_KEYS = 10_000;

/**
 * At most `limit` takes per key in any `windowMs` (a sliding window of timestamps). Keys are kept in an
 * LRU with a size cap, so a stream of distinct keys cannot grow it without end: a key pushed out by
 * `maxKeys` busier ones starts afresh, which only matters beyond that many people within one window.
 */
export class RateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #taken: LruCache<string, number[]>;

  constructor(options: {
    readonly limit: number;
    readonly windowMs: number;
    readonly maxKeys?: number;
    readonly now?: () => number;
  }) {
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#now = options.now ?? Date.now;
    // A key idle for a whole window has nothing left to remember.
    this.#taken = new LruCache({
      maxEntries: options.maxKeys ?? DEFAULT_MAX_KEYS,
      ttlMs: options.windowMs,
      now: this.#now,
    });
  }

  /** Keys remembered right now. */
  get size(): number {
    return this.#taken.size;
  }

  /** Takes one for `key` when there is room; false when the key is over its limit. */
  take(key: string): boolean {
    const now = this.#now();
    const since = now - this.#windowMs;
    const recent = (this.#taken.get(key) ?? []).filter((at) => at > since);
    if (recent.length >= this.#limit) {
      this.#taken.set(key, recent);
      return false;
    }
    recent.push(now);
    this.#taken.set(key, recent);
    return true;
  }
}
