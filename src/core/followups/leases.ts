import type { Logger } from "pino";
import type { FollowUpStore, LeaseRequest } from "../../store/types.js";

/**
 * The follow-ups this process holds a lease on, and the work that holds each: a poll, a state still on
 * its way to Slack, a parent message being posted. While any of it runs the lease is extended (a third
 * of the lease time before it would run out); when the last piece ends the lease is released, unless a
 * piece failed: then it is left to lapse, so that the next holder checks the thread for what may be
 * recorded and not posted.
 */
export class LeaseKeeper {
  readonly #store: Pick<FollowUpStore, "extend" | "release">;
  readonly #lease: LeaseRequest;
  readonly #logger: Logger;
  /** id → pieces of work holding it, and whether one of them failed. */
  readonly #held = new Map<string, { pieces: number; failed: boolean }>();
  #timer: NodeJS.Timeout | undefined;
  #stopping = false;

  constructor(store: Pick<FollowUpStore, "extend" | "release">, lease: LeaseRequest, logger: Logger) {
    this.#store = store;
    this.#lease = lease;
    this.#logger = logger;
  }

  get lease(): LeaseRequest {
    return this.#lease;
  }

  /** How many follow-ups this process holds right now (bounded by the work in flight). */
  get size(): number {
    return this.#held.size;
  }

  holds(id: string): boolean {
    return this.#held.has(id);
  }

  /** One more piece of work on a follow-up this process has just been leased, or already holds. */
  hold(id: string): void {
    const held = this.#held.get(id) ?? { pieces: 0, failed: false };
    held.pieces += 1;
    this.#held.set(id, held);
  }

  /** A piece of work is over; the last one releases the lease, or lets it lapse if any failed. */
  async done(id: string, ok: boolean): Promise<void> {
    const held = this.#held.get(id);
    if (!held) return;
    held.pieces -= 1;
    held.failed ||= !ok;
    if (held.pieces > 0) return;
    this.#held.delete(id);
    if (this.#stopping && this.#held.size === 0) this.#stop();
    if (held.failed) return;
    await this.#store
      .release(id, this.#lease.owner)
      .catch((error: unknown) =>
        this.#logger.warn({ err: error, followUp: id }, "a follow-up lease could not be released; it lapses"),
      );
  }

  start(): void {
    this.#stopping = false;
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.#extend(), Math.max(50, Math.floor(this.#lease.leaseMs / 3)));
    this.#timer.unref();
  }

  /** Stops extending once nothing is held any more (work on its way to Slack keeps its lease till then). */
  stopWhenIdle(): void {
    this.#stopping = true;
    if (this.#held.size === 0) this.#stop();
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #extend(): Promise<void> {
    const ids = [...this.#held.keys()];
    if (ids.length === 0) return;
    try {
      const kept = new Set(await this.#store.extend(ids, this.#lease));
      const lost = ids.filter((id) => !kept.has(id) && this.#held.has(id));
      // Another process took it over (this one stalled past the lease): its work here goes on, but the
      // transition's sequence check keeps a state from being recorded twice.
      if (lost.length > 0)
        this.#logger.warn({ followUps: lost }, "follow-up leases were lost to another process");
    } catch (error) {
      this.#logger.warn({ err: error }, "follow-up leases could not be extended");
    }
  }
}
