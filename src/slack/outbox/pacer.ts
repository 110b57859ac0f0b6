/**
 * Where the outbox books its slots, by lane (`chat.postMessage:<channel>`, `chat.update`, …). Slack counts
 * per app and workspace, not per process, so replicas share one (the store's, wired in app/bot.ts); a
 * single process may keep its own (`LocalPacing`).
 */
export interface Pacing {
  /** Books the lane's next free slot, `intervalMs` after the one before; resolves to the wait for it. */
  reserve(lane: string, intervalMs: number): Promise<number>;
  /** Books nothing on the lane for `ms` from now (Slack's Retry-After). */
  hold(lane: string, ms: number): Promise<void>;
}

/** One lane's pacing, as a delivery uses it. */
export interface LaneSlots {
  reserve(): Promise<number>;
  hold(ms: number): Promise<void>;
}

export function laneSlots(pacing: Pacing, lane: string, intervalMs: number): LaneSlots {
  return {
    reserve: () => pacing.reserve(lane, intervalMs),
    hold: (ms) => pacing.hold(lane, ms),
  };
}

/**
 * Pacing kept in this process, as the store keeps it for replicas: per lane, the moment its next slot is
 * free. Slots are spaced evenly, no burst: Slack allows short bursts, but an even pace never meets a 429
 * in a steady state, which is what the outbox is for. Idle lanes are forgotten (a fresh one behaves the
 * same) whenever a new lane appears.
 */
export class LocalPacing implements Pacing {
  readonly #nextFree = new Map<string, number>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  async reserve(lane: string, intervalMs: number): Promise<number> {
    const now = this.#now();
    const at = Math.max(now, this.#next(lane, now));
    this.#nextFree.set(lane, at + intervalMs);
    return at - now;
  }

  async hold(lane: string, ms: number): Promise<void> {
    const now = this.#now();
    this.#nextFree.set(lane, Math.max(this.#next(lane, now), now + ms));
  }

  /** Lanes remembered: a slot or a Retry-After still ahead. */
  get size(): number {
    return this.#nextFree.size;
  }

  #next(lane: string, now: number): number {
    const known = this.#nextFree.get(lane);
    if (known !== undefined) return known;
    for (const [other, next] of this.#nextFree) if (next <= now) this.#nextFree.delete(other);
    return Number.NEGATIVE_INFINITY;
  }
}

/** Capped exponential backoff with jitter: 0.5 s, 1 s, 2 s, ... up to 30 s, each scaled by 50–100 %. */
export function backoffMs(failures: number, random: () => number, baseMs = 500, capMs = 30_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}
