import type { WebClient } from "@slack/web-api";
import type {
  EditMessage,
  FileUpload,
  MessageWithMetadata,
  PostMessage,
  SlackPoster,
  WriteOptions,
} from "../../core/ports.js";

interface Metadata {
  readonly event_type?: string;
  readonly event_payload?: Record<string, unknown>;
}

const HISTORY_PAGE = 200;

function withMetadata(
  messages: readonly { ts?: string; metadata?: unknown }[] | undefined,
): MessageWithMetadata[] {
  return (messages ?? []).map((message) => ({
    ts: message.ts ?? "",
    ...(message.metadata ? { metadata: message.metadata as Metadata } : {}),
  }));
}

/** Reads of what opsbot posted, straight from the Web API with the client's own retries. */
function reader(client: WebClient) {
  return {
    async repliesWithMetadata(channel: string, ts: string): Promise<MessageWithMetadata[]> {
      const res = await client.conversations.replies({ channel, ts, include_all_metadata: true, limit: 200 });
      return withMetadata(res.messages);
    },
    async historyWithMetadata(channel: string, max: number): Promise<MessageWithMetadata[]> {
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

/** What the poster sends through: the outbox's queues. */
export interface OutboxWrites {
  post(message: PostMessage, options?: WriteOptions): Promise<{ ts: string }>;
  update(
    target: { channel: string; ts: string },
    message: EditMessage,
    options?: WriteOptions,
  ): Promise<void>;
  upload(file: FileUpload): Promise<void>;
}

/** The core's way to Slack: every write through the outbox; what was posted is read from the Web API. */
export function outboxPoster(outbox: OutboxWrites, client: WebClient): SlackPoster {
  const read = reader(client);
  return {
    post: (message, options) => outbox.post(message, options),
    update: (target, message, options) => outbox.update(target, message, options),
    upload: (file) => outbox.upload(file),
    repliesWithMetadata: (channel, ts) => read.repliesWithMetadata(channel, ts),
    historyWithMetadata: (channel, max) => read.historyWithMetadata(channel, max),
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
    const read = reader(client);
    const recent =
      typeof args.thread_ts === "string"
        ? await read.repliesWithMetadata(channel, args.thread_ts)
        : await read.historyWithMetadata(channel, 100);
    const wanted = canonical(metadata.event_payload ?? {});
    return recent.find(
      (message) =>
        message.metadata?.event_type === metadata.event_type &&
        canonical(message.metadata?.event_payload ?? {}) === wanted,
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
