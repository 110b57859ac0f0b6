/**
 * What the core needs from Slack, declared here where it is used: the Slack adapter implements it (every
 * write leaves through its outbox), and tests fake it in a few lines. Nothing here names a Slack SDK type.
 */

/** A message opsbot posts in a channel or a thread. */
export interface PostMessage {
  readonly channel: string;
  readonly text: string;
  readonly blocks?: readonly unknown[];
  readonly thread_ts?: string;
  readonly reply_broadcast?: boolean;
  /**
   * Slack message metadata: a post whose answer was lost is looked for by it before it is sent again,
   * and a restart finds what it posted before a crash.
   */
  readonly metadata?: { readonly event_type: string; readonly event_payload: Record<string, unknown> };
}

export type EditMessage = Omit<PostMessage, "channel" | "thread_ts" | "reply_broadcast">;

/** A file opsbot attaches (long output: logs, exports). */
export interface FileUpload {
  readonly channel: string;
  readonly thread_ts?: string;
  readonly filename: string;
  readonly title: string;
  readonly content: string;
}

export interface MessageWithMetadata {
  readonly ts: string;
  readonly metadata?: {
    readonly event_type?: string;
    readonly event_payload?: Record<string, unknown>;
  };
}

/**
 * How much a write matters when Slack's queue is full. `critical`: must not be lost (final states,
 * approval outcomes): retried until the process stops, and never shed. `progress`: an intermediate state
 * a later one makes up for: shed first when the queue for its channel, or the whole queue, is full.
 */
export interface WriteOptions {
  readonly critical?: boolean;
  readonly progress?: boolean;
}

/** The code of the error a write rejects with when a full queue shed it (it was never sent). */
export const QUEUE_FULL = "queue_full";

/** Whether a write's error says the full queue shed it: nothing was sent, and sending it later is fine. */
export function wasShed(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === QUEUE_FULL;
}

export interface SlackPoster {
  post(message: PostMessage, options?: WriteOptions): Promise<{ readonly ts: string }>;
  update(
    target: { readonly channel: string; readonly ts: string },
    message: EditMessage,
    options?: WriteOptions,
  ): Promise<void>;
  upload(file: FileUpload): Promise<void>;
  /** Thread replies carrying opsbot's metadata, to tell after a crash what was already posted. */
  repliesWithMetadata(channel: string, ts: string): Promise<readonly MessageWithMetadata[]>;
  /** The channel's latest messages (up to `max`, newest first) with metadata. */
  historyWithMetadata(channel: string, max: number): Promise<readonly MessageWithMetadata[]>;
}

/** An answer to one person: `ephemeral` replies only they see, `in_channel` ones everyone does. */
export interface ReplyMessage {
  readonly response_type?: "ephemeral" | "in_channel";
  readonly replace_original?: boolean;
  readonly text: string;
  readonly blocks?: readonly unknown[];
}

/**
 * Where the result of one request goes: the command's response URL (works without joining the channel),
 * a private message, or a thread (an approved request's result).
 */
export interface ReplyTarget {
  readonly channelId: string;
  readonly userId: string;
  readonly respond: (message: ReplyMessage) => Promise<unknown>;
  /** Files go in this thread too (a follow-up's final output, an approved request's result). */
  readonly threadTs?: string;
}

/** Epoch milliseconds; tests move it. */
export type Clock = () => number;
