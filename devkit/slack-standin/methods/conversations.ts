import { z } from "zod";
import { messageJson } from "./chat.js";
import { boolArg, type MethodHandler, parseWith, resolveChannel, SlackApiFailure } from "./common.js";

/** Slack's default and ceiling for `limit` on conversations.replies. */
const MAX_LIMIT = 1000;

const RepliesArgs = z.object({
  channel: z.string().min(1),
  ts: z.string().min(1),
  include_all_metadata: boolArg.optional(),
  limit: z.coerce.number().int().min(1).optional(),
  cursor: z.string().optional(),
});

const HistoryArgs = z.object({
  channel: z.string().min(1),
  include_all_metadata: boolArg.optional(),
  limit: z.coerce.number().int().min(1).optional(),
  cursor: z.string().optional(),
  /** Only messages after this ts (exclusive), as Slack reads it. */
  oldest: z
    .string()
    .regex(/^\d+(\.\d+)?$/)
    .optional(),
});

/** conversations.history's default page: Slack answers 100 messages when no limit is given. */
const HISTORY_DEFAULT_LIMIT = 100;

const CODES = { channel: "channel_not_found" };

/** Cursors are opaque to clients; here they carry the index of the next message in the thread. */
const encodeCursor = (index: number) => Buffer.from(`next:${index}`).toString("base64");

function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined || cursor === "") return 0;
  const match = /^next:(\d+)$/.exec(Buffer.from(cursor, "base64").toString("utf8"));
  if (!match?.[1]) throw new SlackApiFailure("invalid_cursor");
  return Number(match[1]);
}

/** One page of messages as Slack answers it, with the cursor of the next. */
function page(all: readonly unknown[], cursor: string | undefined, limit: number) {
  const start = decodeCursor(cursor);
  const end = start + Math.min(limit, MAX_LIMIT);
  const hasMore = end < all.length;
  return {
    ok: true,
    messages: all.slice(start, end),
    has_more: hasMore,
    response_metadata: { next_cursor: hasMore ? encodeCursor(end) : "" },
  };
}

export const conversationMethods: Readonly<Record<string, MethodHandler>> = {
  /** The channel, newest first: top-level messages and replies broadcast to it, paged by cursor. */
  "conversations.history": (args, ws) => {
    const a = parseWith(HistoryArgs, args, CODES);
    const channel = resolveChannel(ws, a.channel);
    const withMetadata = a.include_all_metadata ?? false;
    const oldest = a.oldest === undefined ? undefined : Number(a.oldest);
    const all = ws
      .messages(channel)
      .filter((m) => oldest === undefined || Number(m.ts) > oldest)
      .reverse()
      .map((m) => messageJson(ws, m, withMetadata));
    return page(all, a.cursor, a.limit ?? HISTORY_DEFAULT_LIMIT);
  },
  /** A thread, parent first then replies oldest first, as the follow-up engine reads it after a restart. */
  "conversations.replies": (args, ws) => {
    const a = parseWith(RepliesArgs, args, CODES);
    const channel = resolveChannel(ws, a.channel);
    const target = ws.findMessage(channel, a.ts);
    if (!target) throw new SlackApiFailure("thread_not_found");
    // A reply's ts names its whole thread, as in Slack.
    const parentTs = target.threadTs ?? target.ts;
    const parent = ws.findMessage(channel, parentTs);
    if (!parent) throw new SlackApiFailure("thread_not_found");
    const replies = ws.thread(channel, parentTs);
    const withMetadata = a.include_all_metadata ?? false;
    const all = [
      {
        ...messageJson(ws, parent, withMetadata),
        ...(replies.length > 0
          ? {
              thread_ts: parent.ts,
              reply_count: replies.length,
              latest_reply: replies[replies.length - 1]?.ts,
            }
          : {}),
      },
      ...replies.map((m) => messageJson(ws, m, withMetadata)),
    ];
    return page(all, a.cursor, a.limit ?? MAX_LIMIT);
  },
};
