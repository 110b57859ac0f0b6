import type { OutboxMessage, UpdateContent } from "./types.js";

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
