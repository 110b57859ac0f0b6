import type { EphemeralMessage, OutboxFile, OutboxMessage, UpdateContent } from "./types.js";

// Only the fields Slack should see, without undefined ones (form encoding would send "undefined").

export function postArgs(m: OutboxMessage): Record<string, unknown> {
  return {
    channel: m.channel,
    ...updateArgs(m),
    ...(m.thread_ts === undefined ? {} : { thread_ts: m.thread_ts }),
    ...(m.reply_broadcast === undefined ? {} : { reply_broadcast: m.reply_broadcast }),
  };
}

export function updateArgs(c: UpdateContent): Record<string, unknown> {
  return {
    text: c.text,
    ...(c.blocks === undefined ? {} : { blocks: c.blocks }),
    ...(c.metadata === undefined ? {} : { metadata: c.metadata }),
  };
}

export function ephemeralArgs(m: EphemeralMessage): Record<string, unknown> {
  return {
    channel: m.channel,
    user: m.user,
    text: m.text,
    ...(m.blocks === undefined ? {} : { blocks: m.blocks }),
    ...(m.thread_ts === undefined ? {} : { thread_ts: m.thread_ts }),
  };
}

/** files.uploadV2 takes the channel as `channel_id`. */
export function uploadArgs(f: OutboxFile): Record<string, unknown> {
  return {
    channel_id: f.channel,
    filename: f.filename,
    title: f.title,
    content: f.content,
    ...(f.thread_ts === undefined ? {} : { thread_ts: f.thread_ts }),
  };
}
