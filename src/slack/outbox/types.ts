import type { Logger } from "pino";
import type { EditMessage, FileUpload, PostMessage, WriteOptions } from "../../core/ports.js";
import type { Pacing } from "./pacer.js";

/** What the outbox sends: the messages and files the core asks for (core/ports.ts). */
export type OutboxMessage = PostMessage;
export type UpdateContent = EditMessage;

/** An ephemeral reply: only `user` sees it, in `channel`. */
export interface EphemeralMessage {
  readonly channel: string;
  readonly user: string;
  readonly text: string;
  readonly blocks?: readonly unknown[];
  readonly thread_ts?: string;
}

/** A text file shared in a channel (or a thread), as files.uploadV2 takes it. */
export type OutboxFile = FileUpload;

/**
 * The methods `OutboxCall` is asked for. `files.uploadV2` is web-api's three-step upload
 * (files.getUploadURLExternal, the bytes, files.completeUploadExternal) taken as one call.
 */
export type OutboxMethod = "chat.postMessage" | "chat.update" | "chat.postEphemeral" | "files.uploadV2";

/** What a SlackOutboxError names: a method, or a response URL post. */
export type OutboxWrite = OutboxMethod | "response_url";

export interface CallResult {
  readonly ok: boolean;
  readonly ts?: string;
  readonly channel?: string;
  /** files.uploadV2's: the files shared. */
  readonly files?: readonly { readonly id: string; readonly title?: string }[];
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
  /** chat.postEphemeral across the workspace. Default 100 (Tier 4). */
  readonly ephemeralsPerMinute?: number;
  /**
   * Uploads across the workspace. Default 20, Tier 2's floor: Slack documents both upload methods
   * (files.getUploadURLExternal, files.completeUploadExternal) as Tier 4, so this leaves room to spare.
   */
  readonly uploadsPerMinute?: number;
  /**
   * Where slots are booked. Default: this process's own (`LocalPacing`, on `now`). Replicas pass one they
   * share, so that together they keep to Slack's per-channel and per-workspace rates.
   */
  readonly pacing?: Pacing;
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
  /** For response URL posts; global fetch unless given (tests). */
  readonly fetch?: typeof fetch;
  /**
   * Writes waiting or in flight for one channel (default 200) and in all (default 5,000). At a cap a
   * waiting progress update makes room (the newest progress is not queued at all); failing that, any
   * write but a critical one is refused with `queue_full`; a critical one is queued beyond the cap.
   */
  readonly maxQueuedPerChannel?: number;
  readonly maxQueued?: number;
  /**
   * How long one write may go on meeting 429s, from its first attempt (default 10 minutes): past it the
   * write is dropped with `retry_budget_exhausted`, so that a workspace throttled for good cannot hold
   * writes for ever.
   */
  readonly retryBudgetMs?: number;
  /** Told about every write dropped by a cap or the retry budget (the metrics count them). */
  readonly onShed?: (kind: ShedKind) => void;
}

/**
 * `critical`: retried through any number of transient failures until stop() (final states nobody may
 * miss), and never shed; `progress`: shed first when the queue is full (see `SlackOutboxOptions`).
 */
export type SendOptions = WriteOptions;

/** What a full queue or the retry budget dropped: a progress update, another write, or a write out of 429 retries. */
export type ShedKind = "progress" | "message" | "retry_budget";

export interface RespondOptions {
  /** Bound on each attempt as a whole: connecting, sending, and reading the answer. Default 10 000. */
  readonly timeoutMs?: number;
}
