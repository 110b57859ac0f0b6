import type { WebClient } from "@slack/web-api";
import type { OutboxMessage } from "./types.js";

/** A message opsbot posts: what the outbox takes. */
export type SlackMessage = OutboxMessage;

/**
 * Where follow-ups send their posts and edits. `critical` marks what must not be lost (terminal
 * states): a rate-limited queue retries it until it goes.
 */
export interface SlackSink {
  post(message: SlackMessage, options?: { critical?: boolean }): Promise<{ ts: string }>;
  update(
    target: { channel: string; ts: string },
    message: Omit<SlackMessage, "channel" | "thread_ts" | "reply_broadcast">,
    options?: { critical?: boolean },
  ): Promise<void>;
  /** Thread replies carrying opsbot's metadata, to tell after a crash what was already posted. */
  repliesWithMetadata(channel: string, ts: string): Promise<readonly MessageWithMetadata[]>;
  /** The channel's latest messages (up to `max`, newest first) with metadata: parents posted before a crash. */
  historyWithMetadata(channel: string, max: number): Promise<readonly MessageWithMetadata[]>;
}

interface Metadata {
  readonly event_type?: string;
  readonly event_payload?: Record<string, unknown>;
}

export interface MessageWithMetadata {
  readonly ts: string;
  readonly metadata?: Metadata;
}

const HISTORY_PAGE = 200;

function withMetadata(
  messages: readonly { ts?: string; metadata?: unknown }[] | undefined,
): MessageWithMetadata[] {
  return (messages ?? []).map((m) => ({
    ts: m.ts ?? "",
    ...(m.metadata ? { metadata: m.metadata as Metadata } : {}),
  }));
}

/** Straight to the Web API (the client's own retries, no queue). */
export function directSink(client: WebClient): SlackSink {
  return {
    async post(message) {
      const res = await client.chat.postMessage(message as Parameters<WebClient["chat"]["postMessage"]>[0]);
      if (!res.ts) throw new Error("chat.postMessage answered without a ts");
      return { ts: res.ts };
    },
    async update(target, message) {
      await client.chat.update({ ...message, channel: target.channel, ts: target.ts } as Parameters<
        WebClient["chat"]["update"]
      >[0]);
    },
    async repliesWithMetadata(channel, ts) {
      const res = await client.conversations.replies({ channel, ts, include_all_metadata: true, limit: 200 });
      return withMetadata(res.messages);
    },
    async historyWithMetadata(channel, max) {
      const found: MessageWithMetadata[] = [];
      let cursor: string | undefined;
      do {
        const res = await client.conversations.history({
          channel,
          include_all_metadata: true,
          limit: Math.min(HISTORY_PAGE, max - found.length),
          ...(cursor ? { cursor } : {}),
        });
        found.push(...withMetadata(res.messages));
        cursor = res.has_more ? res.response_metadata?.next_cursor || undefined : undefined;
      } while (cursor && found.length < max);
      return found;
    },
  };
}

/** The outbox for posts and edits; the thread is read straight from the Web API. */
export function outboxSink(
  outbox: { post: SlackSink["post"]; update: SlackSink["update"] },
  client: WebClient,
): SlackSink {
  const direct = directSink(client);
  return {
    post: (message, options) => outbox.post(message, options),
    update: (target, message, options) => outbox.update(target, message, options),
    repliesWithMetadata: (channel, ts) => direct.repliesWithMetadata(channel, ts),
    historyWithMetadata: (channel, max) => direct.historyWithMetadata(channel, max),
  };
}

/**
 * The outbox's `findPosted`: the message with the same metadata among a thread's replies (for a reply) or
 * the channel's latest messages, read with the client's own retries.
 */
export function findPostedByMetadata(client: WebClient) {
  return async (args: Readonly<Record<string, unknown>>): Promise<string | undefined> => {
    const metadata = args.metadata as Metadata | undefined;
    if (!metadata?.event_type || typeof args.channel !== "string") return undefined;
    const channel = args.channel;
    const direct = directSink(client);
    const recent =
      typeof args.thread_ts === "string"
        ? await direct.repliesWithMetadata(channel, args.thread_ts)
        : await direct.historyWithMetadata(channel, 100);
    const wanted = canonical(metadata.event_payload ?? {});
    return recent.find(
      (m) =>
        m.metadata?.event_type === metadata.event_type &&
        canonical(m.metadata?.event_payload ?? {}) === wanted,
    )?.ts;
  };
}

/** JSON with keys sorted, so that the same payload compares equal whatever order Slack returns it in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}
