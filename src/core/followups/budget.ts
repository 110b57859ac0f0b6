/**
 * Requests per second a backend may receive from follow-up polls, as a token bucket: polls beyond the
 * budget wait for the next tick instead of piling onto a backend that is already busy.
 */
export class PollBudget {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSecond: (backend: string) => number,
    private readonly now: () => number,
  ) {}

  /** Takes up to `wanted` tokens for `backend`; returns how many it got. */
  take(backend: string, wanted: number): number {
    const rate = this.ratePerSecond(backend);
    const burst = Math.max(1, rate);
    const now = this.now();
    const bucket = this.#buckets.get(backend) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    const granted = Math.max(0, Math.min(wanted, Math.floor(bucket.tokens)));
    bucket.tokens -= granted;
    this.#buckets.set(backend, bucket);
    return granted;
  }
}
