/**
 * At most `limit` takes per key in any `windowMs` (a sliding window of timestamps). Keys with no take in
 * the window are forgotten as they are seen, and the whole map is swept when it grows, so a stream of
 * distinct keys cannot grow it without end.
 */
export class RateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #taken = new Map<string, number[]>();

  constructor(options: { readonly limit: number; readonly windowMs: number; readonly now?: () => number }) {
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#now = options.now ?? Date.now;
  }

  /** Takes one for `key` when there is room; false when the key is over its limit. */
  take(key: string): boolean {
    const now = this.#now();
    const since = now - this.#windowMs;
    if (this.#taken.size > 10_000) this.#sweep(since);
    const recent = (this.#taken.get(key) ?? []).filter((at) => at > since);
    if (recent.length >= this.#limit) {
      this.#taken.set(key, recent);
      return false;
    }
    recent.push(now);
    this.#taken.set(key, recent);
    return true;
  }

  #sweep(since: number): void {
    for (const [key, times] of this.#taken) if (!times.some((at) => at > since)) this.#taken.delete(key);
  }
}
