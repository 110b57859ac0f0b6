import { z } from "zod";
import type { OutboxCall } from "./types.js";

/** The part of @slack/web-api's WebClient the outbox needs. */
export interface ApiCaller {
  apiCall(method: string, options?: Record<string, unknown>): Promise<unknown>;
}

const Answer = z.looseObject({
  ok: z.boolean(),
  ts: z.string().optional(),
  channel: z.string().optional(),
  error: z.string().optional(),
});

/**
 * Adapts a WebClient for `SlackOutboxOptions.call`. Build the client with `rejectRateLimitedCalls: true`
 * and `retryConfig: { retries: 0 }`: otherwise it waits out 429s and retries on its own, hidden from the
 * outbox's per-channel pacing.
 */
export function webClientCall(client: ApiCaller): OutboxCall {
  return async (method, args) => {
    const answer = Answer.safeParse(await client.apiCall(method, args));
    if (!answer.success) return { ok: false, error: "invalid_response" };
    const { ok, ts, channel, error } = answer.data;
    return {
      ok,
      ...(ts === undefined ? {} : { ts }),
      ...(channel === undefined ? {} : { channel }),
      ...(error === undefined ? {} : { error }),
    };
  };
}
