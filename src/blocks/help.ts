import type { types } from "@slack/bolt";
import type { Catalogue } from "../ops/catalogue.js";
import { usageOf } from "../ops/parse.js";
import { truncateText } from "./limits.js";
import { escapeMrkdwn, type RenderedMessage } from "./output.js";

const GRAMMAR =
  "`/ops <resource> <verb> [arguments] [--flag value | --flag=value]` (quote values with spaces)";

/** `/ops help`: every resource with its verbs, or one resource's usage lines. Derived from the catalogue. */
export function helpMessage(catalogue: Catalogue, topic?: string): RenderedMessage {
  const blocks: types.KnownBlock[] = [
    {
      type: "header",
      text: { type: "plain_text", text: topic ? `opsbot help: ${truncateText(topic, 120)}` : "opsbot help" },
    },
  ];
  const operations = topic ? catalogue.operations.filter((o) => o.resource === topic) : catalogue.operations;
  if (topic && operations.length === 0) {
    const text = `No resource \`${escapeMrkdwn(topic)}\`. Resources: ${catalogue.resources.map((r) => `\`${r}\``).join(", ")}.`;
    return { text, blocks: [...blocks, { type: "section", text: { type: "mrkdwn", text } }] };
  }
  blocks.push({ type: "section", text: { type: "mrkdwn", text: GRAMMAR } });
  const resources = [...new Set(operations.map((o) => o.resource))];
  for (const resource of resources) {
    const lines = operations
      .filter((o) => o.resource === resource)
      .map((o) => (topic ? `\`${usageOf(o)}\`\n    ${o.summary}` : `\`${o.verb}\` ${o.summary}`));
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: truncateText(`*${resource}*\n${lines.join("\n")}`, 3_000) },
    });
  }
  blocks.push({
    type: "context",
    elements: [
      {
        type: "mrkdwn",
        text: "`/ops help <resource>` for usage · `/ops whoami` for the identity opsbot uses for you",
      },
    ],
  });
  return { text: "opsbot help", blocks: blocks.slice(0, 50) };
}
