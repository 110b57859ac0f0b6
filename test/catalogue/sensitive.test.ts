import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { tokenize } from "../../src/catalogue/command-line/tokenize.js";
import { createCatalogue } from "../../src/catalogue/index.js";
import { parseCommand } from "../../src/catalogue/parse.js";
import {
  displayArgs,
  displayCommandText,
  isRedacted,
  redactedValue,
  restoreArgs,
  sensitiveArgNames,
  withholdArgs,
} from "../../src/catalogue/sensitive.js";

const catalogue = createCatalogue();
const operation = (id: string) => {
  const found = catalogue.byId(id);
  if (!found) throw new Error(`no operation ${id}`);
  return found;
};
const CONFIG = '{"name":"hello-job","type":"job","env":{"DB_PASSWORD":"hunter2"}}';
const digestOf = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 12);

describe("sensitive arguments", () => {
  it("are exactly the pasted configurations and log text, across the whole catalogue", () => {
    const marked = catalogue.operations.flatMap((op) =>
      sensitiveArgNames(op).map((name) => `${op.id} ${name}`),
    );
    expect(marked.sort()).toEqual([
      "log:update logs",
      "pipeline:run-config configuration",
      "task:deploy-config configuration",
    ]);
  });

  it("are shown as the first 12 hex digits of their SHA-256, the others as they are", () => {
    const shown = displayArgs(operation("task:deploy-config"), {
      namespace: "analytics",
      configuration: CONFIG,
    });
    expect(shown).toEqual({ namespace: "analytics", configuration: `‹redacted sha256:${digestOf(CONFIG)}›` });
    expect(JSON.stringify(shown)).not.toContain("hunter2");
  });

  it("give the same digest for the same value and another for another value", () => {
    const deploy = operation("task:deploy-config");
    const first = displayArgs(deploy, { configuration: CONFIG });
    const again = displayArgs(deploy, { configuration: CONFIG, namespace: "other" });
    const other = displayArgs(deploy, { configuration: CONFIG.replace("hunter2", "hunter3") });
    expect(again.configuration).toBe(first.configuration);
    expect(other.configuration).not.toBe(first.configuration);
  });

  it("digest parsed values (objects) too, and leave an absent value absent", () => {
    const run = operation("pipeline:run-config");
    const parsed = displayArgs(run, { namespace: "etl", configuration: { name: "etl", token: "s3cr3t" } });
    expect(isRedacted(parsed.configuration)).toBe(true);
    expect(JSON.stringify(parsed)).not.toContain("s3cr3t");
    const without = { namespace: "etl" };
    expect(displayArgs(run, without)).toBe(without);
  });

  it("are not digested twice: a stored digest shown again stays the same", () => {
    const once = redactedValue("token=abc");
    expect(redactedValue(once)).toBe(once);
    expect(displayArgs(operation("log:update"), { logId: "l1", logs: once })).toEqual({
      logId: "l1",
      logs: once,
    });
  });

  it("leave an operation without sensitive arguments, or an unknown one, untouched", () => {
    const args = { namespace: "analytics", name: "nightly" };
    expect(displayArgs(operation("job:delete"), args)).toBe(args);
    expect(displayArgs(undefined, { configuration: CONFIG })).toEqual({ configuration: CONFIG });
  });

  it("are withheld apart from what is shown, and restored for the call", () => {
    const deploy = operation("task:deploy-config");
    const raw = { namespace: "analytics", configuration: CONFIG };
    const { shown, withheld } = withholdArgs(deploy, raw);
    expect(shown).toEqual({ namespace: "analytics", configuration: redactedValue(CONFIG) });
    expect(withheld).toEqual({ configuration: CONFIG });
    expect(restoreArgs(shown, withheld)).toEqual(raw);
    // Nothing sensitive given: nothing withheld, and what is shown is what was typed.
    expect(withholdArgs(deploy, { namespace: "analytics" }).withheld).toEqual({});
  });

  it("are digested in a command as a note keeps it, which is otherwise kept as typed", () => {
    const typed = `task deploy-config --namespace analytics --configuration '${CONFIG}' --force`;
    const tokens = tokenize(typed, { booleanFlags: catalogue.booleanFlags() });
    if (!tokens.ok) throw new Error(tokens.error.message);
    const parsed = parseCommand(catalogue, tokens.tokens);
    if (parsed.kind !== "operation") throw new Error(parsed.kind);
    const note = displayCommandText(parsed.operation, parsed.raw, parsed.force, typed);
    expect(note).toBe(
      `task deploy-config --namespace analytics --configuration "${redactedValue(CONFIG)}" --force`,
    );
    expect(note).not.toContain("hunter2");
    const plain = "job delete analytics nightly";
    expect(
      displayCommandText(operation("job:delete"), { namespace: "analytics", name: "nightly" }, false, plain),
    ).toBe(plain);
  });
});
