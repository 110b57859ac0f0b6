import type { types } from "@slack/bolt";
import type { Field, ListItem, Output, Tone } from "../catalogue/output.js";
import { ACTION, BLOCK } from "./ids.js";
import { SLACK_LIMITS } from "./limits.js";
import { MARK } from "./outcome.js";
import {
  channelMention,
  codeBlock,
  context,
  escapeMrkdwn,
  fitText,
  header,
  inlineCode,
  mrkdwn,
  plain,
  type RenderedMessage,
  section,
  slackDate,
  textSize,
  userMention,
} from "./text.js";

/** Renders an operation's Output as a Block Kit message: pure, and always within Slack's limits. */

export interface RenderOptions {
  /** 0-based page of a list. Out-of-range pages show the nearest page. */
  readonly page?: number;
  readonly pageSize?: number;
  /** The value of the pager button leading to `page`; undefined leaves that button out. */
  readonly pageButtonValue?: (page: number) => string | undefined;
  /** The command that shows the next page, when the list has one. */
  readonly more?: string;
  /** A read's result: shown plainly, without a success or failure mark (nothing was done). */
  readonly read?: boolean;
}

export const TONE_PREFIX: Readonly<Record<Tone, string>> = {
  success: `${MARK.succeeded} `,
  failure: `${MARK.failed} `,
  warning: "⚠️ ",
  info: "",
};

/**
 * Room kept for what callers append (the "by @user" context line, a thread link): Slack's hard limits are
 * 50 blocks and about 13k characters in all (FACTS §2.6), and limits.ts checks 12k.
 */
const BLOCK_BUDGET = SLACK_LIMITS.messageBlocks - 2;
const TEXT_BUDGET = SLACK_LIMITS.messageBlocksText - 1_000;
export const DEFAULT_PAGE_SIZE = 15;
const MAX_PAGE_SIZE = 40;
const INLINE_DOCUMENT_MAX = 2_800;
/** Below this a field is not worth showing: the rest are counted instead. */
const MIN_FIELD_TEXT = 100;
const FALLBACK_TEXT_MAX = 1_000;

export function renderOutput(output: Output, options: RenderOptions = {}): RenderedMessage {
  switch (output.kind) {
    case "record":
      return renderRecord(output, options.read ?? false);
    case "list":
      return renderList(output, options);
    case "document":
      return renderDocument(output);
  }
}

function renderRecord(output: Extract<Output, { kind: "record" }>, read: boolean): RenderedMessage {
  const title = `${read ? "" : TONE_PREFIX[output.tone ?? "info"]}${output.title}`;
  const blocks: types.KnownBlock[] = [header(title)];
  if (output.text) blocks.push(section(fitText(output.text, SLACK_LIMITS.sectionText, escapeMrkdwn)));
  const fields = output.fields ?? [];
  // Reserve a block and some text for the "n more fields" note.
  const available = TEXT_BUDGET - textSize(blocks) - 100;
  const maxByBlocks = (BLOCK_BUDGET - blocks.length - 1) * SLACK_LIMITS.sectionFields;
  const shown = Math.min(fields.length, maxByBlocks, Math.floor(available / MIN_FIELD_TEXT));
  const perField = Math.min(SLACK_LIMITS.sectionFieldText, Math.floor(available / Math.max(shown, 1)));
  for (let i = 0; i < shown; i += SLACK_LIMITS.sectionFields) {
    blocks.push({
      type: "section",
      fields: fields
        .slice(i, Math.min(i + SLACK_LIMITS.sectionFields, shown))
        .map((f) => mrkdwn(field(f, perField))),
    });
  }
  if (shown < fields.length) blocks.push(context(`${fields.length - shown} more fields not shown.`));
  return { text: fallback(title), blocks };
}

/** `*Label*\nvalue`, within `max` characters. */
function field(entry: Field, max: number): string {
  const label = `*${fitText(entry.label, Math.floor(max / 3), escapeMrkdwn)}*\n`;
  return `${label}${fitText(entry.value, max - label.length, (v) => fieldValue(entry, v))}`;
}

function fieldValue(entry: Field, value: string): string {
  // Only IDs Slack itself issued become mentions: anything else is shown as text, never as markup.
  if (entry.mention === "user") return userMention(value);
  if (entry.mention === "channel") return channelMention(value);
  if (entry.time) {
    const ms = Date.parse(value);
    // Slack shows the date in the reader's time zone; the fallback is for clients that cannot.
    if (!Number.isNaN(ms)) return slackDate(ms);
  }
  return entry.code ? inlineCode(value) : escapeMrkdwn(value);
}

function renderList(output: Extract<Output, { kind: "list" }>, options: RenderOptions): RenderedMessage {
  const total = output.items.length;
  const title = header(output.title);
  if (total === 0)
    return {
      text: fallback(`${output.title}: ${output.empty}`),
      blocks: [title, section(fitText(output.empty, SLACK_LIMITS.sectionText, escapeMrkdwn))],
    };
  const { page, size, pages } = pageOf(total, options);
  const start = page * size;
  const items = output.items.slice(start, start + size);
  const more = options.more
    ? `\nMore: ${inlineCode(options.more)}`
    : output.nextCursor
      ? " (the backend has more: narrow the query)"
      : "";
  const shown = `Showing ${start + 1}–${start + items.length} of ${total}${options.more ? " on this page" : ""}`;
  const footer = context(`${shown}${more}`);
  const pager = pagerBlock(page, pages, options.pageButtonValue ?? String);
  const fixed = textSize([title, footer, ...(pager ? [pager] : [])]);
  const perItem = Math.min(SLACK_LIMITS.sectionText, Math.floor((TEXT_BUDGET - fixed) / items.length));
  const blocks: types.KnownBlock[] = [
    title,
    ...items.map((item) => section(itemText(item, perItem))),
    footer,
  ];
  if (pager) blocks.push(pager);
  return { text: fallback(`${output.title}: ${total} item${total === 1 ? "" : "s"}`), blocks };
}

/** Page arithmetic, exported for the pager handler: 0-based page, clamped into range. */
export function pageOf(total: number, options: RenderOptions): { page: number; size: number; pages: number } {
  const wanted = Math.floor(options.pageSize ?? DEFAULT_PAGE_SIZE);
  const size = Math.min(Math.max(1, Number.isFinite(wanted) ? wanted : DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE);
  const pages = Math.max(1, Math.ceil(total / size));
  const requested = Math.floor(options.page ?? 0);
  const page = Number.isFinite(requested) ? Math.min(Math.max(0, requested), pages - 1) : 0;
  return { page, size, pages };
}

function pagerBlock(
  page: number,
  pages: number,
  buttonValue: (page: number) => string | undefined,
): types.ActionsBlock | undefined {
  const buttons: types.Button[] = [];
  const add = (action_id: string, label: string, target: number) => {
    const value = buttonValue(target);
    // A value Slack would reject loses that button, not the whole message.
    if (value !== undefined && value.length <= SLACK_LIMITS.buttonValue)
      buttons.push({ type: "button", action_id, text: plain(label), value });
  };
  if (page > 0) add(ACTION.pagePrev, "◀ Prev", page - 1);
  if (page < pages - 1) add(ACTION.pageNext, "Next ▶", page + 1);
  return buttons.length > 0 ? { type: "actions", block_id: BLOCK.pager, elements: buttons } : undefined;
}

/** Bold title and code on the first line, then `label: value` lines, all within `max` characters. */
function itemText(item: ListItem, max: number): string {
  // Title and ID are capped so that long ones still leave room for the fields below them.
  const code = item.code ? ` ${fitText(item.code, Math.min(Math.floor(max / 4), 150), inlineCode)}` : "";
  const titleMax = Math.max(Math.min(Math.floor(max / 3), 300), 8);
  const first = `${fitText(item.title, titleMax, (t) => `*${escapeMrkdwn(t)}*`)}${code}`;
  const lines = [first];
  let left = max - first.length;
  const fields = item.fields ?? [];
  for (const [i, entry] of fields.entries()) {
    const share = Math.floor(left / (fields.length - i)) - 1;
    const label = `${fitText(entry.label, Math.floor(share / 3), escapeMrkdwn)}: `;
    if (share - label.length < 8) break;
    const line = `${label}${fitText(entry.value, share - label.length, (v) => fieldValue(entry, v))}`;
    lines.push(line);
    left -= line.length + 1;
  }
  return lines.join("\n");
}

function renderDocument(output: Extract<Output, { kind: "document" }>): RenderedMessage {
  const blocks: types.KnownBlock[] = [header(output.title)];
  if (output.summary) blocks.push(section(fitText(output.summary, SLACK_LIMITS.sectionText, escapeMrkdwn)));
  const text = fallback(output.summary ? `${output.title}: ${output.summary}` : output.title);
  if (output.content.length === 0) {
    blocks.push(section("_(empty)_"));
    return { text, blocks };
  }
  const inline = codeBlock(output.content);
  // Escaping can lengthen the text, so both the raw and the escaped size must fit.
  if (output.content.length <= INLINE_DOCUMENT_MAX && inline.length <= SLACK_LIMITS.sectionText) {
    blocks.push(section(inline));
    return { text, blocks };
  }
  const lines = output.content.split("\n").length;
  const size = `${lines} line${lines === 1 ? "" : "s"}, ${formatSize(output.content.length)}`;
  blocks.push(
    context(`Too long for a message (${size}): attached as ${fitText(output.filename, 200, inlineCode)}.`),
  );
  return { text, blocks, file: { filename: output.filename, content: output.content, title: output.title } };
}

function formatSize(chars: number): string {
  return chars < 1_024 ? `${chars} characters` : `${Math.round(chars / 1_024)} KB`;
}

/** Notification text is read as mrkdwn too, so it is escaped like the blocks. */
function fallback(text: string): string {
  return fitText(text, FALLBACK_TEXT_MAX, escapeMrkdwn);
}
