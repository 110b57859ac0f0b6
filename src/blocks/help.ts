import type { types } from "@slack/bolt";
import { type Catalogue, closest } from "../catalogue/catalogue.js";
import { type AnyOperation, type ArgDef, flagName, isOptional } from "../catalogue/define.js";
import { HELP, topWords, usageOf } from "../catalogue/parse.js";
import { SLACK_LIMITS, truncateText } from "./limits.js";
import {
  context,
  escapeMrkdwn,
  header,
  inlineCode,
  type RenderedMessage,
  section,
  textSize,
} from "./text.js";

/** `/ops help` and `/ops help <resource>`, derived from the catalogue so they cannot drift from it. */

const GRAMMAR = `${inlineCode("/ops <resource> <verb> [arguments] [--flag value | --flag=value]")} (quote values with spaces)`;

const HELP_LINE =
  "`/ops help [resource | command]`: this overview, or one resource's verbs with their arguments";
const BACK_TO_OVERVIEW = "`/ops help` lists every resource and opsbot's own commands.";
/** A change on a locked target, said once under the commands. */
const FREEZE_NOTE =
  "A change on a locked target is refused unless an admin adds `--force`, which always asks for an approval.";

// Room for what the caller appends, under Slack's 50 blocks and ~12k characters (FACTS §2.6).
const BLOCK_BUDGET = SLACK_LIMITS.messageBlocks - 2;
const TEXT_BUDGET = SLACK_LIMITS.messageBlocksText - 1_000;

export function helpMessage(catalogue: Catalogue, topic?: string): RenderedMessage {
  if (topic === undefined) return overview(catalogue);
  if (topic === HELP) return message("opsbot help: help", [section(HELP_LINE)]);
  const command = catalogue.command(topic);
  if (command)
    return message(`opsbot help: ${topic}`, [
      section(lines(operationLines(command, true), SLACK_LIMITS.sectionText)),
      ...(command.id === "lock" ? [context(FREEZE_NOTE)] : []),
    ]);
  const operations = catalogue.operations.filter((o) => o.verb && o.resource === topic);
  if (operations.length === 0) return unknownTopic(catalogue, topic);
  return resourceHelp(topic, operations);
}

function overview(catalogue: Catalogue): RenderedMessage {
  const resources = catalogue.resources;
  const verbsOf = (resource: string) => catalogue.operations.filter((o) => o.verb && o.resource === resource);
  const full = resources.map((resource) =>
    section(
      lines(
        [
          `*${escapeMrkdwn(resource)}*`,
          ...verbsOf(resource).map((o) => `${inlineCode(o.verb)} ${escapeMrkdwn(o.summary)}`),
        ],
        SLACK_LIMITS.sectionText,
      ),
    ),
  );
  const result = message("opsbot help", [section(GRAMMAR), ...full, context(commandsLine(catalogue))]);
  if (fits(result.blocks)) return result;
  // Too big for one message: verbs only, several resources to a section.
  const compact = resources.map(
    (resource) =>
      `*${escapeMrkdwn(resource)}*: ${verbsOf(resource)
        .map((o) => inlineCode(o.verb))
        .join(" · ")}`,
  );
  return message("opsbot help", [
    section(GRAMMAR),
    ...chunk(compact, SLACK_LIMITS.sectionText).map((text) => section(text)),
    context(`${commandsLine(catalogue)} · \`/ops help <resource>\` for what each verb does`),
  ]);
}

function resourceHelp(resource: string, operations: readonly AnyOperation[]): RenderedMessage {
  const detailed = operations.map((o) => section(lines(operationLines(o, true), SLACK_LIMITS.sectionText)));
  const result = message(`opsbot help: ${resource}`, [
    section(GRAMMAR),
    ...detailed,
    context(BACK_TO_OVERVIEW),
  ]);
  if (fits(result.blocks)) return result;
  // Usage lines carry the arguments already; their descriptions are what gives way.
  const brief = operations.map((o) => lines(operationLines(o, false), SLACK_LIMITS.sectionText));
  return message(`opsbot help: ${resource}`, [
    section(GRAMMAR),
    ...chunk(brief, SLACK_LIMITS.sectionText).map((text) => section(text)),
    context(BACK_TO_OVERVIEW),
  ]);
}

function operationLines(operation: AnyOperation, withArgs: boolean): string[] {
  const head = [inlineCode(usageOf(operation)), `    ${escapeMrkdwn(operation.summary)}`];
  if (!withArgs) return head;
  return [...head, ...Object.entries(operation.args).map(([name, def]) => `    • ${describeArg(name, def)}`)];
}

function describeArg(name: string, def: ArgDef): string {
  const notes: string[] = [];
  if (isOptional(def)) notes.push("optional");
  if (def.repeatable) notes.push("repeatable");
  if (def.defaultFrom) notes.push(`defaults to the configured ${def.defaultFrom}`);
  const word = def.positional ? `<${name}>` : `--${flagName(name, def)}`;
  const choices = def.choices ? `: one of ${def.choices.map(inlineCode).join(", ")}` : "";
  const hint = def.hint ? ` – ${escapeMrkdwn(def.hint)}` : "";
  const note = notes.length > 0 ? ` (${notes.join(", ")})` : "";
  return `${inlineCode(word)} ${escapeMrkdwn(def.label)}${note}${choices}${hint}`;
}

function unknownTopic(catalogue: Catalogue, topic: string): RenderedMessage {
  const guess = closest(topic, [...catalogue.resources, ...topWords(catalogue)]);
  const text = `No resource ${inlineCode(topic.slice(0, 100))}.${guess ? ` Did you mean ${inlineCode(guess)}?` : ""} Resources: ${catalogue.resources.map(inlineCode).join(", ")}.`;
  return message("opsbot help", [section(lines([text], SLACK_LIMITS.sectionText))]);
}

/** opsbot's own commands, from the catalogue like everything else. */
function commandsLine(catalogue: Catalogue): string {
  return [
    HELP_LINE,
    ...catalogue.commands.map((c) => `${inlineCode(usageOf(c))}: ${escapeMrkdwn(c.summary)}`),
  ].join(" · ");
}

function message(title: string, body: types.KnownBlock[]): RenderedMessage {
  return { text: escapeMrkdwn(title), blocks: [header(title), ...body] };
}

function fits(blocks: readonly types.KnownBlock[]): boolean {
  return blocks.length <= BLOCK_BUDGET && textSize(blocks) <= TEXT_BUDGET;
}

/**
 * Joins whole lines while they fit in `max`, then says how many were left out. Cutting between lines
 * (never inside one) keeps code spans and entities intact.
 */
function lines(all: readonly string[], max: number): string {
  const joined = all.join("\n");
  if (joined.length <= max) return joined;
  const kept: string[] = [];
  let size = 0;
  for (const line of all) {
    if (size + line.length + 1 > max - 20) break;
    kept.push(line);
    size += line.length + 1;
  }
  if (kept.length === 0) return truncateText(all[0] ?? "", max);
  return `${kept.join("\n")}\n… ${all.length - kept.length} more`;
}

/** Groups paragraphs into as few texts of at most `max` characters as possible. */
function chunk(paragraphs: readonly string[], max: number): string[] {
  const texts: string[] = [];
  let current = "";
  for (const paragraph of paragraphs) {
    const piece = paragraph.length > max ? lines([paragraph], max) : paragraph;
    if (current && current.length + 1 + piece.length > max) {
      texts.push(current);
      current = piece;
    } else current = current ? `${current}\n${piece}` : piece;
  }
  if (current) texts.push(current);
  return texts.slice(0, BLOCK_BUDGET - 3);
}
