/**
 * Spaces calls evenly: one slot every `intervalMs`, no burst. Slack allows short bursts, but an even pace
 * never meets a 429 in a steady state, which is what the outbox is for.
 */
export class Pacer {
  #next = Number.NEGATIVE_INFINITY;

  constructor(readonly intervalMs: number) {}

  /** Books the next free slot and returns how long to wait for it. */
  reserve(now: number): number {
    const at = Math.max(now, this.#next);
    this.#next = at + this.intervalMs;
    return at - now;
  }

  /** Nothing goes before `until` (Slack's Retry-After). */
  holdUntil(until: number): void {
    this.#next = Math.max(this.#next, until);
  }

  /** Whether a fresh pacer would behave the same, so this one can be forgotten. */
  idle(now: number): boolean {
    return this.#next <= now;
  }
}

/** Capped exponential backoff with jitter: 0.5 s, 1 s, 2 s, ... up to 30 s, each scaled by 50–100 %. */
export function backoffMs(failures: number, random: () => number, baseMs = 500, capMs = 30_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}
