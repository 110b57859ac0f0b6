import type { Logger } from "pino";
import type { Pacing } from "../slack/outbox/index.js";
import type { PacingStore } from "../store/index.js";

/** How often lanes nobody used for a while are cleared from the store, and how idle they must be. */
const PRUNE_EVERY_MS = 10 * 60_000;
const PRUNE_IDLE_MS = 60 * 60_000;

/**
 * The outbox's slots booked in the store, so that every replica on it keeps to one Slack allowance per
 * channel and per workspace. A reservation costs one statement (measured in the README); idle lanes
 * (channels posted to once) are pruned now and then by whichever replica gets there.
 */
export function storePacing(store: PacingStore, logger?: Logger, now: () => number = Date.now): Pacing {
  let prunedAt = now();
  return {
    reserve(lane, intervalMs) {
      if (now() - prunedAt >= PRUNE_EVERY_MS) {
        prunedAt = now();
        // Not awaited: the write it paces does not wait for housekeeping, and a failure only delays it.
        store
          .prune(PRUNE_IDLE_MS)
          .catch((err: unknown) => logger?.warn({ err }, "pruning slack lanes failed"));
      }
      return store.reserve(lane, intervalMs);
    },
    hold: (lane, ms) => store.hold(lane, ms),
  };
}
