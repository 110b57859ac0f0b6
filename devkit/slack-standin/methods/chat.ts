import { z } from "zod";
import type { Workspace } from "../state.js";
import type { MessageMetadata, StoredMessage } from "../types.js";
import {
  type ApiBody,
  blocksArg,
  boolArg,
  enforceLimits,
  type MethodHandler,
  metadataArg,
  parseWith,
  resolveChannel,
  SlackApiFailure,
  TS,
} from "./common.js";

const content = {
  text: z.string().optional(),
  blocks: blocksArg.optional(),
  attachments: z.array(z.unknown()).optional(),
};

const PostMessageArgs = z.object({
  channel: z.string().min(1),
  ...content,
  thread_ts: z.string().regex(TS, "thread_ts must look like 1700000000.000100").optional(),
  reply_broadcast: boolArg.optional(),
  metadata: metadataArg.optional(),
});

const UpdateArgs = z.object({
  channel: z.string().min(1),
  ts: z.string().min(1),
  ...content,
  metadata: metadataArg.optional(),
});
const DeleteArgs = z.object({ channel: z.string().min(1), ts: z.string().min(1) });
const EphemeralArgs = z.object({
  channel: z.string().min(1),
  user: z.string().min(1),
  ...content,
  thread_ts: z.string().regex(TS).optional(),
});

const CODES = {
  channel: "channel_not_found",
  blocks: "invalid_blocks_format",
  thread_ts: "invalid_thread_ts",
  ts: "message_not_found",
  user: "user_not_found",
  metadata: "invalid_metadata_format",
};

interface Content {
  readonly text?: string | undefined;
  readonly blocks?: readonly unknown[] | undefined;
  readonly attachments?: readonly unknown[] | undefined;
  /** Shared files count as content (a file message may have no text). */
  readonly fileIds?: readonly string[] | undefined;
}

/** Slack wants something to show: text, blocks, attachments or files; then Block Kit limits apply. */
function checkContent(c: Content): { text?: string; blocks?: readonly unknown[] } {
  const hasText = c.text !== undefined && c.text.trim() !== "";
  if (!hasText && !c.blocks?.length && !c.attachments?.length && !c.fileIds?.length) {
    throw new SlackApiFailure("no_text");
  }
  if (c.blocks?.length === 0) throw new SlackApiFailure("invalid_blocks");
  enforceLimits("message", { text: c.text, blocks: c.blocks }, "", "invalid_blocks");
  return {
    ...(c.text === undefined ? {} : { text: c.text }),
    ...(c.blocks === undefined ? {} : { blocks: c.blocks }),
  };
}

export function messageJson(ws: Workspace, m: StoredMessage, withMetadata = false): ApiBody {
  return {
    type: "message",
    ts: m.ts,
    user: m.user,
    bot_id: m.botId,
    app_id: ws.identity.appId,
    team: ws.identity.teamId,
    text: m.text ?? "",
    ...(m.blocks ? { blocks: m.blocks } : {}),
    ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
    ...(m.replyBroadcast ? { subtype: "thread_broadcast" } : {}),
    ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
    ...(m.edited ? { edited: { user: m.user, ts: m.edited } } : {}),
  };
}

/** A reply to a reply belongs to the same thread, as in Slack. */
function threadParent(ws: Workspace, channel: string, threadTs: string | undefined): string | undefined {
  if (threadTs === undefined) return undefined;
  const parent = ws.findMessage(channel, threadTs);
  if (!parent) throw new SlackApiFailure("thread_not_found");
  return parent.threadTs ?? parent.ts;
}

export function postMessage(
  ws: Workspace,
  channel: string,
  body: Content & { threadTs?: string; replyBroadcast?: boolean; metadata?: MessageMetadata },
): StoredMessage {
  const threadTs = threadParent(ws, channel, body.threadTs);
  const message: StoredMessage = {
    channel,
    ts: ws.nextTs(),
    user: ws.identity.botUserId,
    botId: ws.identity.botId,
    ...checkContent(body),
    ...(threadTs === undefined ? {} : { threadTs }),
    // Slack ignores reply_broadcast outside a thread.
    ...(threadTs !== undefined && body.replyBroadcast ? { replyBroadcast: true } : {}),
    ...(body.metadata === undefined ? {} : { metadata: body.metadata }),
    ...(body.fileIds === undefined ? {} : { fileIds: body.fileIds }),
  };
  ws.addMessage(message);
  return message;
}

function existing(ws: Workspace, channel: string, ts: string): StoredMessage {
  const message = ws.findMessage(channel, ts);
  if (!message) throw new SlackApiFailure("message_not_found");
  return message;
}

export const chatMethods: Readonly<Record<string, MethodHandler>> = {
  "chat.postMessage": (args, ws) => {
    const a = parseWith(PostMessageArgs, args, CODES);
    const channel = resolveChannel(ws, a.channel);
    const message = postMessage(ws, channel, {
      text: a.text,
      blocks: a.blocks,
      attachments: a.attachments,
      ...(a.thread_ts === undefined ? {} : { threadTs: a.thread_ts }),
      ...(a.reply_broadcast === undefined ? {} : { replyBroadcast: a.reply_broadcast }),
      ...(a.metadata === undefined ? {} : { metadata: a.metadata }),
    });
    return { ok: true, channel, ts: message.ts, message: messageJson(ws, message) };
  },

  "chat.update": (args, ws) => {
    const a = parseWith(UpdateArgs, args, CODES);
    const channel = resolveChannel(ws, a.channel);
    const before = existing(ws, channel, a.ts);
    if (a.text === undefined && a.blocks === undefined && a.attachments === undefined) {
      throw new SlackApiFailure("no_text");
    }
    // As in Slack: fields left out keep their previous value, and `blocks: []` removes the blocks.
    const { text: _t, blocks: _b, ...rest } = before;
    const blocks = a.blocks ?? before.blocks;
    const content = checkContent({
      text: a.text ?? before.text,
      blocks: blocks?.length ? blocks : undefined,
    });
    const after: StoredMessage = {
      ...rest,
      ...content,
      ...(a.metadata === undefined ? {} : { metadata: a.metadata }),
      edited: ws.nextTs(),
    };
    ws.replaceMessage(after);
    return { ok: true, channel, ts: after.ts, text: after.text ?? "", message: messageJson(ws, after) };
  },

  "chat.delete": (args, ws) => {
    const a = parseWith(DeleteArgs, args, CODES);
    const channel = resolveChannel(ws, a.channel);
    existing(ws, channel, a.ts);
    ws.deleteMessage(channel, a.ts);
    return { ok: true, channel, ts: a.ts };
  },

  "chat.postEphemeral": (args, ws) => {
    const a = parseWith(EphemeralArgs, args, CODES);
    const channel = resolveChannel(ws, a.channel);
    if (ws.users.size > 0 && !ws.users.has(a.user)) throw new SlackApiFailure("user_not_found");
    const members = ws.channels.get(channel)?.members;
    if (members && !members.includes(a.user)) throw new SlackApiFailure("user_not_in_channel");
    const messageTs = ws.nextTs();
    ws.addEphemeral({
      channel,
      user: a.user,
      messageTs,
      ...checkContent(a),
      ...(a.thread_ts === undefined ? {} : { threadTs: a.thread_ts }),
    });
    return { ok: true, message_ts: messageTs };
  },
};
