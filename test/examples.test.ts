import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { tokenize } from "../src/catalogue/command-line/tokenize.js";
import { createCatalogue } from "../src/catalogue/index.js";
import { parseCommand } from "../src/catalogue/parse.js";

/**
 * Every `/ops …` example the README and the manifest show an operator, parsed as the `/ops` listener
 * parses a command (the same tokenizer options, the real catalogue): an unknown resource, verb or flag,
 * or a value after a yes/no flag, fails here instead of in someone's first hour.
 */

const root = new URL("../", import.meta.url);
const catalogue = createCatalogue();
const booleanFlags = catalogue.booleanFlags();

/** `/ops …` in inline code, on transcript or script lines of code blocks, and quoted in prose. */
function opsExamples(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/`(\/ops(?:\s[^`]*)?)`/g)) found.push(m[1] ?? "");
  for (const m of text.matchAll(/^\s*(?:[a-z]+> )?(\/ops\s.*)$/gm)) found.push(m[1] ?? "");
  for (const m of text.matchAll(/(?<![`\w])(['"])(\/ops\s[^'"]*)\1/g)) found.push(m[2] ?? "");
  return [...new Set(found.map((e) => e.trim()))];
}

/**
 * The command line an example stands for: placeholders (`<id>`) filled in, optional parts (`[…]`)
 * taken, the first of alternatives (`18:00|2h`) chosen and a trailing `…` (more of the same) dropped.
 * Undefined for a grammar template (`/ops <resource> <verb>`) or `/ops` alone.
 */
function exampleLine(example: string): string | undefined {
  let line = example.replace(/^\/ops\s*/, "");
  if (line === "" || line === "…" || line.startsWith("<") || line.startsWith("[")) return undefined;
  line = line
    .replace(/\[([^\]]*)\]/g, "$1")
    .replace(/<[^>]+>/g, "x1")
    .replace(/(\S+?)\|\S+/g, "$1")
    .replace(/\s+…$/, "");
  return line;
}

/** What is wrong with an example, or undefined when it is a command opsbot takes. */
function exampleProblem(example: string): string | undefined {
  const line = exampleLine(example);
  if (line === undefined) return undefined;
  const tokens = tokenize(line, { booleanFlags });
  if (!tokens.ok) return tokens.error.message;
  const parsed = parseCommand(catalogue, tokens.tokens);
  if (parsed.kind === "error") return parsed.message;
  if (parsed.kind === "help" && parsed.topic && parsed.topic !== "x1") {
    const known =
      catalogue.resources.includes(parsed.topic) ||
      catalogue.command(parsed.topic) ||
      parsed.topic === "help";
    if (!known) return `no help topic ${parsed.topic}`;
    if (parsed.verb && parsed.verb !== "x1" && !catalogue.find(parsed.topic, parsed.verb))
      return `no verb ${parsed.verb}`;
  }
  return undefined;
}

const readme = readFileSync(new URL("README.md", root), "utf8");
const manifest = parse(readFileSync(new URL("manifest.yml", root), "utf8")) as {
  display_information: { long_description: string };
};

describe("the /ops examples operators copy", () => {
  it.each([
    ["README.md", readme, 15],
    ["manifest.yml", manifest.display_information.long_description, 2],
  ])("all parse in %s", (_file, text, atLeast) => {
    const examples = opsExamples(text);
    expect(examples.length).toBeGreaterThanOrEqual(atLeast);
    const problems = examples.flatMap((e) => {
      const problem = exampleProblem(e);
      return problem ? [`${e}: ${problem}`] : [];
    });
    expect(problems).toEqual([]);
  });

  it("finds the examples in each form the documents use", () => {
    const text = [
      "Try `/ops namespace list`, or:",
      "```",
      "alice> /ops task state abc",
      "printf '%s\\n' '/ops pipeline list' | npm run demo",
      "```",
      'the manifest says "/ops help <resource>".',
    ].join("\n");
    expect(opsExamples(text).sort()).toEqual(
      ["/ops help <resource>", "/ops namespace list", "/ops pipeline list", "/ops task state abc"].sort(),
    );
  });

  it.each([
    ["/ops task get <id>", /`task` has no verb `get`/],
    ["/ops namespace list --limt 5", /has no flag `--limt`/],
    ["/ops payload delete <id> --force-delete yes", /Too many arguments/],
    ["/ops deploy list", /Unknown resource/],
    ["/ops help tsak", /no help topic/],
    ["/ops help task get", /no verb get/],
  ])("refuses %s", (example, problem) => {
    expect(exampleProblem(example)).toMatch(problem);
  });

  it.each([
    "/ops",
    "/ops <resource> <verb> [arguments]",
    '/ops lock namespace <name> --reason "…" [--until 18:00|2h|2026-12-01T09:00Z]',
    "/ops lock allocation <id> …",
    "/ops payload delete <id> --force-delete",
  ])("takes %s", (example) => {
    expect(exampleProblem(example)).toBeUndefined();
  });
});
