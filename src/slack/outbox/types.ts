import type { Logger } from "pino";

/** What the outbox sends; the fields of chat.postMessage that opsbot uses. */
export interface OutboxMessage {
  readonly channel: string;
  readonly text: string;
  readonly blocks?: readonly unknown[];
  readonly thread_ts?: string;
  readonly reply_broadcast?: boolean;
  readonly metadata?: { readonly event_type: string; readonly event_payload: Record<string, unknown> };
}

export type UpdateContent = Omit<OutboxMessage, "channel" | "thread_ts" | "reply_broadcast">;

export type OutboxMethod = "chat.postMessage" | "chat.update";

export interface CallResult {
  readonly ok: boolean;
  readonly ts?: string;
  readonly channel?: string;
  readonly error?: string;
}

/**
 * The Slack calls. In the app, a WebClient with `rejectRateLimitedCalls: true` (see `webClientCall`), so a
 * 429 surfaces as an error carrying `retryAfter` (seconds) instead of being waited out inside the client.
 */
export type OutboxCall = (method: OutboxMethod, args: Record<string, unknown>) => Promise<CallResult>;

export interface SlackOutboxOptions {
  readonly call: OutboxCall;
  /** chat.postMessage per channel. Default 1, as Slack allows. */
  readonly postPerChannelPerSecond?: number;
  /** chat.update across the workspace. Default 50 (Tier 3). */
  readonly updatesPerMinute?: number;
  /** Transient failures before a normal message is given up (default 5); `critical` ones retry until stop(). */
  readonly maxAttempts?: number;
  /** Injectable for tests, together with `sleep`. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** For backoff jitter; injectable for tests. */
  readonly random?: () => number;
  readonly logger?: Logger;
  /**
   * Looks in Slack for a post carrying the same metadata, when an attempt's answer was lost (cut, timed
   * out, unreadable, a 5xx) and Slack may have posted it anyway: found, it is not posted again.
   */
  readonly findPosted?: (args: Readonly<Record<string, unknown>>) => Promise<string | undefined>;
}

export interface SendOptions {
  /** Retried through any number of transient failures until stop() (for final states nobody may miss). */
  readonly critical?: boolean;
}
