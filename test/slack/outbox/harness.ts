import type { SlackStandIn, StandInOptions } from "../../../devkit/slack-standin/index.js";
import { SlackOutbox, type SlackOutboxOptions, webClientCall } from "../../../src/slack/outbox/index.js";
import { findPostedByMetadata } from "../../../src/slack/outbox/poster.js";
import { clientFor, standInPerTest } from "../../helpers/standin-client.js";

/**
 * Virtual time shared by the outbox and the stand-in: a sleep moves the clock to its wake time at once, so
 * a minute of pacing runs in milliseconds. Time only moves forward, which can only refill Slack's buckets,
 * so a test that sees no 429 here would see none in real time either.
 */
export function virtualClock(start = 1_700_000_000_000) {
  let now = start;
  return {
    start,
    now: () => now,
    sleep: async (ms: number) => {
      const wake = now + ms;
      await new Promise<void>((resolve) => setImmediate(resolve));
      now = Math.max(now, wake);
    },
    elapsed: () => now - start,
  };
}

export type VirtualClock = ReturnType<typeof virtualClock>;

/**
 * A stand-in with Slack's rate limits on, and an outbox talking to it through a real WebClient.
 * `lookUp` gives the outbox the app's `findPosted` (reading the stand-in's channel history).
 */
export function outboxPerTest() {
  const start = standInPerTest();
  return async (
    options: { standIn?: StandInOptions; outbox?: Partial<SlackOutboxOptions>; lookUp?: boolean } = {},
  ): Promise<{ standIn: SlackStandIn; outbox: SlackOutbox; clock: VirtualClock }> => {
    const clock = virtualClock();
    const standIn = await start({ rateLimits: true, clock: clock.now, ...options.standIn });
    const client = clientFor(standIn, { rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    const outbox = new SlackOutbox({
      call: webClientCall(client),
      now: clock.now,
      sleep: clock.sleep,
      random: () => 0.5,
      ...(options.lookUp ? { findPosted: findPostedByMetadata(client) } : {}),
      ...options.outbox,
    });
    return { standIn, outbox, clock };
  };
}
