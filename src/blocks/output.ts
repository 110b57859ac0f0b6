import type { types } from "@slack/bolt";
import type { Field, ListItem, Output, Tone } from "../ops/output.js";
import { truncateText } from "./limits.js";

/** Renders an operation's Output as a Block Kit message: pure, within Slack's limits. */

export interface RenderedMessage {
  readonly text: string;
  readonly blocks: types.KnownBlock[];
  /** Content too long for a message, for the caller to upload as a file. */
  readonly file?: { readonly filename: string; readonly content: string; readonly title: string };
}

const TONE_PREFIX: Record<Tone, string> = { success: "✅ ", failure: "❌ ", warning: "⚠️ ", info: "" };
const SECTION_TEXT_MAX = 3_000;
const FIELD_MAX = 2_000;
const MAX_FIELDS = 10;
const INLINE_DOCUMENT_MAX = 2_800;
const LIST_PAGE_SIZE = 15;

/** Escapes backend and user text for mrkdwn, so it cannot mention people or make links. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const code = (text: string) => `\`${escapeMrkdwn(text).replace(/`/g, "ˋ")}\``;

function fieldValue(field: Field): string {
  if (field.time) {
    const ms = Date.parse(field.value);
    if (!Number.isNaN(ms))
      return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${escapeMrkdwn(field.value)}>`;
  }
  return field.code ? code(field.value) : escapeMrkdwn(field.value);
}

function header(title: string): types.KnownBlock {
  return { type: "header", text: { type: "plain_text", text: truncateText(title, 150), emoji: true } };
}

function fieldSections(fields: readonly Field[]): types.KnownBlock[] {
  const blocks: types.KnownBlock[] = [];
  for (let i = 0; i < fields.length; i += MAX_FIELDS) {
    blocks.push({
      type: "section",
      fields: fields.slice(i, i + MAX_FIELDS).map((f) => ({
        type: "mrkdwn" as const,
        text: truncateText(`*${escapeMrkdwn(f.label)}*\n${fieldValue(f)}`, FIELD_MAX),
      })),
    });
  }
  return blocks;
}

function itemSection(item: ListItem): types.KnownBlock {
  const lines = [`*${escapeMrkdwn(item.title)}*${item.code ? ` ${code(item.code)}` : ""}`];
  for (const f of item.fields ?? []) lines.push(`${escapeMrkdwn(f.label)}: ${fieldValue(f)}`);
  return {
    type: "section",
    text: { type: "mrkdwn", text: truncateText(lines.join("\n"), SECTION_TEXT_MAX) },
  };
}

export function renderOutput(output: Output, page = 0): RenderedMessage {
  switch (output.kind) {
    case "record": {
      const title = `${TONE_PREFIX[output.tone ?? "info"]}${output.title}`;
      const blocks: types.KnownBlock[] = [header(title)];
      if (output.text)
        blocks.push({
          type: "section",
          text: { type: "mrkdwn", text: truncateText(escapeMrkdwn(output.text), SECTION_TEXT_MAX) },
        });
      blocks.push(...fieldSections(output.fields ?? []));
      return { text: truncateText(title, 3_000), blocks };
    }
    case "list": {
      const total = output.items.length;
      if (total === 0)
        return {
          text: output.empty,
          blocks: [
            header(output.title),
            { type: "section", text: { type: "mrkdwn", text: escapeMrkdwn(output.empty) } },
          ],
        };
      const pages = Math.ceil(total / LIST_PAGE_SIZE);
      const current = Math.min(Math.max(0, page), pages - 1);
      const start = current * LIST_PAGE_SIZE;
      const shown = output.items.slice(start, start + LIST_PAGE_SIZE);
      const blocks: types.KnownBlock[] = [header(output.title), ...shown.map(itemSection)];
      const more = output.nextCursor ? " (the backend has more; narrow the query)" : "";
      blocks.push({
        type: "context",
        elements: [
          { type: "mrkdwn", text: `Showing ${start + 1}–${start + shown.length} of ${total}${more}` },
        ],
      });
      return { text: `${output.title}: ${total} item${total === 1 ? "" : "s"}`, blocks };
    }
    case "document": {
      const blocks: types.KnownBlock[] = [header(output.title)];
      if (output.summary)
        blocks.push({ type: "section", text: { type: "mrkdwn", text: escapeMrkdwn(output.summary) } });
      if (output.content.length <= INLINE_DOCUMENT_MAX) {
        blocks.push({
          type: "section",
          text: { type: "mrkdwn", text: `\`\`\`${escapeMrkdwn(output.content)}\`\`\`` },
        });
        return { text: output.title, blocks };
      }
      blocks.push({
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: `Too long for a message: attached as \`${escapeMrkdwn(output.filename)}\`.`,
          },
        ],
      });
      return {
        text: output.title,
        blocks,
        file: { filename: output.filename, content: output.content, title: output.title },
      };
    }
  }
}

/** An ephemeral error: what went wrong and, when it helps, the usage line. */
export function errorMessage(message: string, usage?: string): RenderedMessage {
  const blocks: types.KnownBlock[] = [
    {
      type: "section",
      text: { type: "mrkdwn", text: truncateText(`❌ ${escapeMrkdwn(message)}`, SECTION_TEXT_MAX) },
    },
  ];
  if (usage)
    blocks.push({
      type: "context",
      elements: [{ type: "mrkdwn", text: truncateText(`Usage: ${code(usage)}`, 3_000) }],
    });
  return { text: truncateText(`❌ ${message}`, 3_000), blocks };
}
