import type { types } from "@slack/bolt";
import { truncateText } from "./limits.js";

/** Small text helpers shared by the builders in this folder. */

/** A message for `chat.postMessage` / `respond`: blocks plus the fallback text used by notifications. */
export interface RenderedMessage {
  readonly text: string;
  readonly blocks: types.KnownBlock[];
  /** Content too long for a message, for the caller to upload with files.uploadV2. */
  readonly file?: { readonly filename: string; readonly content: string; readonly title: string };
}

/**
 * The one escaping rule for text shown in Slack. Everything that came from a person or a backend (a lock
 * reason, a label, a name, an error body, a state) goes through `escapeMrkdwn`, or `inlineCode` /
 * `codeBlock` which use it; the bot's own mentions, channel links and dates come only from the builders
 * below, which refuse anything that is not a Slack ID. `mrkdwn()` sets `verbatim`, so Slack does not turn
 * bare URLs, `#channel` names or `@here` in data into links or mentions either.
 */

/** Word joiner: invisible, and breaks `@here` / `@channel` / `@everyone` so no client reads them as such. */
const WORD_JOINER = "\u2060";

/**
 * Escapes backend and user text for mrkdwn. Slack only gives `&`, `<` and `>` meaning, and `<` is what
 * makes `<!channel>`, `<@U123>` and `<https://evil|click>`, so these three keep data inert; the bare
 * special mentions are broken up as well, for clients and fallback texts that still parse them.
 */
export function escapeMrkdwn(text: string): string {
  const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  // Checked first: fitText calls this many times over long text, and most text has no `@`.
  return escaped.includes("@") ? escaped.replace(SPECIAL_MENTION, `@${WORD_JOINER}`) : escaped;
}

const SPECIAL_MENTION = /@(?=here|channel|everyone)/gi;

/** Inline code. A backtick inside would end the span early and let the rest be read as mrkdwn, so it is
 * swapped for a look-alike (U+02CB) rather than escaped: mrkdwn has no escape for it.
 */
export function inlineCode(text: string): string {
  return `\`${escapeMrkdwn(text).replace(/`/g, "ˋ")}\``;
}

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;
const USERGROUP_ID = /^S[A-Z0-9]{2,}$/;

/** `<@U…>` for a Slack user ID; anything else is shown as escaped text, never as a mention. */
export function userMention(id: string): string {
  return USER_ID.test(id) ? `<@${id}>` : escapeMrkdwn(id || "someone");
}

/** `<#C…>` for a Slack channel ID; anything else is shown as escaped text. */
export function channelMention(id: string): string {
  return CHANNEL_ID.test(id) ? `<#${id}>` : escapeMrkdwn(id || "a channel");
}

/** `<!subteam^S…>` for a Slack user group ID; anything else is shown as escaped text. */
export function usergroupMention(id: string): string {
  return USERGROUP_ID.test(id) ? `<!subteam^${id}>` : escapeMrkdwn(id || "a group");
}

export const isUserId = (id: string): boolean => USER_ID.test(id);
export const isChannelId = (id: string): boolean => CHANNEL_ID.test(id);

/**
 * A date Slack shows in the reader's time zone (`<!date^…>`), with `fallback` (escaped) for clients that
 * cannot: the ISO time to the second, in UTC, when none is given. A time that is not a number is text.
 */
export function slackDate(
  ms: number,
  format = "{date_short_pretty} {time}",
  fallback = Number.isFinite(ms) ? isoSeconds(ms) : "",
): string {
  if (!Number.isFinite(ms)) return escapeMrkdwn(fallback || "an unknown time");
  return `<!date^${Math.floor(ms / 1000)}^${format}|${escapeMrkdwn(fallback)}>`;
}

/** `2026-12-05T13:06:53Z`: an ISO time without the milliseconds nobody reads. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A fenced block; a fence inside the content would close it early, so backtick runs are broken up. */
export function codeBlock(text: string): string {
  return `\`\`\`${escapeMrkdwn(text).replace(/```/g, "ˋˋˋ")}\`\`\``;
}

export const plain = (text: string, max = 3_000): types.PlainTextElement => ({
  type: "plain_text",
  text: truncateText(text, max),
  emoji: true,
});

/** Every mrkdwn object opsbot builds is verbatim: links and mentions are only those it wrote itself. */
export const mrkdwn = (text: string): types.MrkdwnElement => ({ type: "mrkdwn", text, verbatim: true });

const EMPTY = "_(empty)_";

/** A section of mrkdwn, cut to Slack's 3,000 characters and never empty (Slack rejects empty text). */
export function section(text: string, max = 3_000): types.SectionBlock {
  return { type: "section", text: mrkdwn(truncateText(text, max) || EMPTY) };
}

export function context(text: string): types.ContextBlock {
  return { type: "context", elements: [mrkdwn(truncateText(text, 3_000) || EMPTY)] };
}

export function header(text: string): types.HeaderBlock {
  return { type: "header", text: plain(text || "(untitled)", 150) };
}

export function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `task deploy` → `Task deploy`; `set-default` → `Set default`. */
export function capitalize(words: string): string {
  const spaced = words.replace(/[-_]+/g, " ");
  return upperFirst(spaced);
}

/** Total characters under every `text` key, as Slack's aggregate `msg_blocks_too_long` check counts. */
export function textSize(value: unknown): number {
  if (Array.isArray(value)) return value.reduce<number>((n, v) => n + textSize(v), 0);
  if (typeof value !== "object" || value === null) return 0;
  let total = 0;
  for (const [key, child] of Object.entries(value))
    total += key === "text" && typeof child === "string" ? child.length : textSize(child);
  return total;
}

/**
 * `format(raw)` cut to at most `max` characters. The raw text is shortened, not the formatted one, so a
 * cut never splits an entity (`&amp;`), a code span or a date token.
 */
export function fitText(raw: string, max: number, format: (text: string) => string): string {
  let cut = raw.length;
  for (let attempt = 0; attempt < 40 && cut > 0; attempt++) {
    const out = format(cut >= raw.length ? raw : truncateText(raw, cut));
    if (out.length <= max) return out;
    // Shrink in proportion: escaping can make the formatted text several times the raw length.
    cut = Math.min(cut - 1, Math.floor((cut * max) / out.length));
  }
  const empty = format("");
  return empty.length <= max ? empty : "";
}
