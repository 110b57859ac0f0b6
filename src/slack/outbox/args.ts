import type { EphemeralMessage, OutboxFile, OutboxMessage, UpdateContent } from "./types.js";

// Only the fields Slack should see, without undefined ones (form encoding would send "undefined").

export function postArgs(message: OutboxMessage): Record<string, unknown> {
  return {
    channel: message.channel,
    ...updateArgs(message),
    ...(message.thread_ts === undefined ? {} : { thread_ts: message.thread_ts }),
    ...(message.reply_broadcast === undefined ? {} : { reply_broadcast: message.reply_broadcast }),
  };
}

export function updateArgs(content: UpdateContent): Record<string, unknown> {
  return {
    text: content.text,
    ...(content.blocks === undefined ? {} : { blocks: content.blocks }),
    ...(content.metadata === undefined ? {} : { metadata: content.metadata }),
  };
}

export function ephemeralArgs(message: EphemeralMessage): Record<string, unknown> {
  return {
    channel: message.channel,
    user: message.user,
    text: message.text,
    ...(message.blocks === undefined ? {} : { blocks: message.blocks }),
    ...(message.thread_ts === undefined ? {} : { thread_ts: message.thread_ts }),
  };
}

/** files.uploadV2 takes the channel as `channel_id`. */
export function uploadArgs(file: OutboxFile): Record<string, unknown> {
  return {
    channel_id: file.channel,
    filename: file.filename,
    title: file.title,
    content: file.content,
    ...(file.thread_ts === undefined ? {} : { thread_ts: file.thread_ts }),
  };
}
