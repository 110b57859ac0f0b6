import { describe, expect, it } from "vitest";
import { helpMessage } from "../../src/blocks/help.js";
import { tokenizeOrThrow } from "../../src/catalogue/command-line/tokenize.js";
import { commandWords, flagName } from "../../src/catalogue/define.js";
import { createCatalogue } from "../../src/catalogue/index.js";
import { parseCommand, usageOf } from "../../src/catalogue/parse.js";
import { allText, expectMessageWithinLimits } from "./fakes.js";

/** The shapes of help over the real catalogue: what an operator reads in their first hour. */

const catalogue = createCatalogue();
const escaped = (text: string) =>
  JSON.stringify(text.replace(/</g, "&lt;").replace(/>/g, "&gt;")).slice(1, -1);
const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;
const GRAMMAR = "[arguments] [--flag value | --flag=value]";
const COMMANDS = "`/ops whoami`: ";

describe("help over the real catalogue", () => {
  it("says the grammar and opsbot's own commands once, in the overview only", () => {
    const overview = allText(helpMessage(catalogue).blocks);
    expect(count(overview, GRAMMAR)).toBe(1);
    expect(count(overview, COMMANDS)).toBe(1);
    for (const resource of catalogue.resources) {
      const text = allText(helpMessage(catalogue, resource).blocks);
      expect({ resource, grammar: text.includes(GRAMMAR), commands: text.includes(COMMANDS) }).toEqual({
        resource,
        grammar: false,
        commands: false,
      });
    }
  });

  it("names the defaults' real settings, once per resource and once in the overview", () => {
    const overview = allText(helpMessage(catalogue).blocks);
    expect(count(overview, "ORCHESTRATION_PROJECT_ID")).toBe(1);
    expect(count(overview, "ORCHESTRATION_ALLOCATION_ID")).toBe(1);
    for (const resource of ["payload", "allocation", "artefact"]) {
      const text = allText(helpMessage(catalogue, resource).blocks);
      expect({ resource, n: count(text, "ORCHESTRATION_PROJECT_ID") }).toEqual({ resource, n: 1 });
    }
    expect(allText(helpMessage(catalogue, "task").blocks)).not.toContain("ORCHESTRATION_");
    const everything = [undefined, ...catalogue.resources]
      .map((topic) => allText(helpMessage(catalogue, topic).blocks))
      .concat(
        catalogue.operations.map((o) =>
          allText(helpMessage(catalogue, o.resource, o.verb || undefined).blocks),
        ),
      )
      .join("\n");
    expect(everything).not.toContain("orchestration.projectId");
    expect(everything).not.toContain("orchestration.allocationId");
  });

  it("narrows `help <resource> <verb>` to that verb, with every argument described", () => {
    for (const operation of catalogue.operations.filter((o) => o.verb)) {
      const message = helpMessage(catalogue, operation.resource, operation.verb);
      const text = allText(message.blocks);
      expect(message.text).toBe(`opsbot help: ${commandWords(operation)}`);
      expect(text).toContain(escaped(usageOf(operation)));
      for (const [name, def] of Object.entries(operation.args))
        expect(text).toContain(def.positional ? escaped(`\`<${name}>\``) : `\`--${flagName(name, def)}\``);
      // No other verb of the resource is shown.
      for (const other of catalogue.operations.filter(
        (o) => o.resource === operation.resource && o !== operation,
      ))
        expect(text).not.toContain(escaped(`\`${usageOf(other)}\``));
      expectMessageWithinLimits(message);
    }
  });

  it("answers an unknown verb with the resource's verbs", () => {
    const text = allText(helpMessage(catalogue, "task", "deplyo").blocks);
    expect(text).toContain("`task` has no verb `deplyo`. Did you mean `deploy`?");
    expect(allText(helpMessage(catalogue, "task", "<!here>").blocks)).not.toContain("<!here>");
  });

  it("parses `help <resource> <verb>` as a topic and a verb", () => {
    expect(parseCommand(catalogue, tokenizeOrThrow("help Task Deploy"))).toEqual({
      kind: "help",
      topic: "task",
      verb: "deploy",
    });
    expect(parseCommand(catalogue, tokenizeOrThrow("help task"))).toEqual({ kind: "help", topic: "task" });
  });

  it("shows yes/no flags bare, as the parser takes them", () => {
    const booleans = catalogue.booleanFlags();
    let seen = 0;
    for (const operation of catalogue.operations)
      for (const [name, def] of Object.entries(operation.args)) {
        if (def.input !== "boolean" || def.positional) continue;
        seen++;
        const flag = `--${flagName(name, def)}`;
        expect(usageOf(operation)).toContain(`[${flag}]`);
        expect(usageOf(operation)).not.toContain(`${flag} <`);
        expect(booleans.has(flagName(name, def))).toBe(true);
      }
    expect(seen).toBeGreaterThan(0);
    const payloadDelete = catalogue.find("payload", "delete");
    expect(payloadDelete && usageOf(payloadDelete)).toContain("[--force-delete]");
    const parsed = parseCommand(
      catalogue,
      tokenizeOrThrow("payload delete p-1 --force-delete", { booleanFlags: catalogue.booleanFlags() }),
    );
    expect(parsed).toMatchObject({ kind: "operation", raw: { payloadId: "p-1", forceDelete: ["true"] } });
  });

  it("keeps every resource's help within Slack's limits", () => {
    for (const resource of catalogue.resources) expectMessageWithinLimits(helpMessage(catalogue, resource));
    expectMessageWithinLimits(helpMessage(catalogue));
  });
});
