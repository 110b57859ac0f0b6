import type { types } from "@slack/bolt";
import { type Catalogue, closest } from "../catalogue/catalogue.js";
import {
  type AnyOperation,
  type ArgDef,
  commandWords,
  DEFAULT_SETTINGS,
  flagName,
  isOptional,
} from "../catalogue/define.js";
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

/**
 * `/ops help`, `/ops help <resource>` and `/ops help <resource> <verb>`, derived from the catalogue so
 * they cannot drift from it. The grammar and opsbot's own commands are said once, in the overview; a
 * resource lists its verbs' usage, and one verb adds what each argument means.
 */

const GRAMMAR = `${inlineCode("/ops <resource> <verb> [arguments] [--flag value | --flag=value]")} (quote values with spaces)`;

const HELP_LINE =
  "`/ops help [resource [verb] | command]`: this overview, one resource's verbs, or one verb's arguments";
/** A change on a locked target, said once under the commands. */
const FREEZE_NOTE =
  "A change on a locked target is refused unless an admin adds `--force`, which always asks for an approval.";

// Room for what the caller appends, under Slack's 50 blocks and ~12k characters (FACTS §2.6).
const BLOCK_BUDGET = SLACK_LIMITS.messageBlocks - 2;
const TEXT_BUDGET = SLACK_LIMITS.messageBlocksText - 1_000;

/** An admin's note under the help overview: the permissions file's warnings (plain text, escaped here). */
export function policyWarningsMessage(warnings: readonly string[]): RenderedMessage {
  const title = `⚠️ opsbot's permissions file has ${warnings.length} warning${warnings.length === 1 ? "" : "s"} (shown to admins)`;
  const items = warnings.map((w) => `• ${escapeMrkdwn(w)}`);
  return message(title, [
    section(lines(items, SLACK_LIMITS.sectionText)),
    context("Also in `/ops whoami` and in opsbot's log at start-up."),
  ]);
}

export function helpMessage(catalogue: Catalogue, topic?: string, verb?: string): RenderedMessage {
  if (topic === undefined) return overview(catalogue);
  if (topic === HELP) return message("opsbot help: help", [section(HELP_LINE)]);
  const command = catalogue.command(topic);
  if (command) return verbHelp(command, command.id === "lock" ? [FREEZE_NOTE] : []);
  const operations = catalogue.operations.filter((o) => o.verb && o.resource === topic);
  if (operations.length === 0) return unknownTopic(catalogue, topic);
  if (verb === undefined) return resourceHelp(topic, operations);
  const operation = catalogue.find(topic, verb);
  return operation ? verbHelp(operation, []) : unknownVerb(catalogue, topic, verb);
}

function overview(catalogue: Catalogue): RenderedMessage {
  const resources = catalogue.resources;
  const verbsOf = (resource: string) => catalogue.operations.filter((o) => o.verb && o.resource === resource);
  const footer = [commandsLine(catalogue), ...defaultsNote(catalogue.operations)].join("\n");
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
  const result = message("opsbot help", [section(GRAMMAR), ...full, context(footer)]);
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
    context(`${footer} · \`/ops help <resource>\` for what each verb does`),
  ]);
}

/** Each verb's usage and summary; the arguments' details are one `help <resource> <verb>` away. */
function resourceHelp(resource: string, operations: readonly AnyOperation[]): RenderedMessage {
  const pointer = `${inlineCode(`/ops help ${resource} <verb>`)} explains one verb's arguments.`;
  const note = context([...defaultsNote(operations), pointer].join("\n"));
  const entries = operations.map((o) => `${inlineCode(usageOf(o))}\n    ${escapeMrkdwn(o.summary)}`);
  const result = message(`opsbot help: ${resource}`, [
    ...chunk(entries, SLACK_LIMITS.sectionText).map((text) => section(text)),
    note,
  ]);
  if (fits(result.blocks)) return result;
  // Usage lines carry the arguments already; the summaries are what gives way.
  const brief = operations.map((o) => inlineCode(usageOf(o)));
  return message(`opsbot help: ${resource}`, [
    ...chunk(brief, SLACK_LIMITS.sectionText).map((text) => section(text)),
    note,
  ]);
}

/** One operation in full: its usage, summary and every argument (each naming its default's setting). */
function verbHelp(operation: AnyOperation, notes: readonly string[]): RenderedMessage {
  const body = [
    inlineCode(usageOf(operation)),
    `    ${escapeMrkdwn(operation.summary)}`,
    ...Object.entries(operation.args).map(([name, def]) => `    • ${describeArg(name, def)}`),
  ];
  return message(`opsbot help: ${commandWords(operation)}`, [
    section(lines(body, SLACK_LIMITS.sectionText)),
    ...notes.map((note) => context(note)),
  ]);
}

/**
 * Where left-out arguments come from (`--project` from `ORCHESTRATION_PROJECT_ID`), said once for the
 * operations shown rather than on every argument.
 */
function defaultsNote(operations: readonly AnyOperation[]): string[] {
  const bySetting = new Map<string, Set<string>>();
  for (const operation of operations)
    for (const [name, def] of Object.entries(operation.args)) {
      if (!def.defaultFrom) continue;
      const setting = DEFAULT_SETTINGS[def.defaultFrom];
      const word = def.positional ? `<${name}>` : `--${flagName(name, def)}`;
      bySetting.set(setting, (bySetting.get(setting) ?? new Set()).add(word));
    }
  if (bySetting.size === 0) return [];
  const parts = [...bySetting].map(
    ([setting, words]) => `${[...words].map(inlineCode).join(" / ")} from the ${inlineCode(setting)} setting`,
  );
  return [`When left out: ${parts.join(", ")}.`];
}

function describeArg(name: string, def: ArgDef): string {
  const notes: string[] = [];
  if (isOptional(def)) notes.push("optional");
  if (def.repeatable) notes.push("repeatable");
  if (def.defaultFrom) notes.push(`defaults to ${inlineCode(DEFAULT_SETTINGS[def.defaultFrom])}`);
  const word = def.positional ? `<${name}>` : `--${flagName(name, def)}`;
  const choices = def.choices ? `: one of ${def.choices.map(inlineCode).join(", ")}` : "";
  const hint = def.hint ? ` – ${escapeMrkdwn(def.hint)}` : "";
  const note = notes.length > 0 ? ` (${notes.join(", ")})` : "";
  return `${inlineCode(word)} ${escapeMrkdwn(def.label)}${note}${choices}${hint}`;
}

function unknownVerb(catalogue: Catalogue, resource: string, verb: string): RenderedMessage {
  const verbs = catalogue.verbsOf(resource);
  const guess = closest(verb, verbs);
  const text = `${inlineCode(resource)} has no verb ${inlineCode(verb.slice(0, 100))}.${guess ? ` Did you mean ${inlineCode(guess)}?` : ""} Verbs: ${verbs.map(inlineCode).join(", ")}.`;
  return message("opsbot help", [section(lines([text], SLACK_LIMITS.sectionText))]);
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
