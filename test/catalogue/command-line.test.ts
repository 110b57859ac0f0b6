import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tokenize } from "../../src/catalogue/command-line/tokenize.js";
import { createCatalogue } from "../../src/catalogue/index.js";
import { commandLineOf, parseCommand } from "../../src/catalogue/parse.js";

const catalogue = createCatalogue();
const booleanFlags = catalogue.booleanFlags();

/** Parses a command line as /ops would, back to the raw arguments. */
function reparse(line: string) {
  const tokens = tokenize(line.replace(/^\/ops /, ""), { booleanFlags });
  if (!tokens.ok) throw new Error(tokens.error.message);
  return parseCommand(catalogue, tokens.tokens);
}

/** Raw values as the parser gives them: positionals as strings, flags as lists. */
function normalised(raw: Record<string, string | string[]>, operationId: string) {
  const operation = catalogue.byId(operationId);
  if (!operation) throw new Error(operationId);
  return Object.fromEntries(
    Object.entries(raw).map(([name, v]) => [
      name,
      operation.args[name]?.positional ? v : typeof v === "string" ? [v] : v,
    ]),
  );
}

describe("commandLineOf", () => {
  it("writes the command an approver reads, quoting what needs it", () => {
    const deploy = catalogue.byId("task:deploy");
    if (!deploy) throw new Error("task:deploy");
    expect(
      commandLineOf(deploy, {
        repository: "quick_start",
        directory: "jobs/nightly",
        schedule: ["0 * * * *"],
      }),
    ).toBe('/ops task deploy quick_start jobs/nightly --schedule "0 * * * *"');
  });

  it("parses back to the same arguments for any values", () => {
    const withArgs = catalogue.operations.filter((op) => Object.keys(op.args).length > 0);
    // Slack escapes (`&amp;`, `<@U…>`) are decoded by the tokenizer: what Slack sends never holds them raw.
    const value = fc
      .string({ minLength: 0, maxLength: 30, unit: "binary" })
      .filter((v) => !/[\r\n&<]/.test(v));
    fc.assert(
      fc.property(
        fc.constantFrom(...withArgs),
        fc.array(value, { minLength: 8, maxLength: 8 }),
        (operation, values) => {
          const raw: Record<string, string | string[]> = {};
          Object.entries(operation.args).forEach(([name, def], i) => {
            const v = values[i % values.length] ?? "";
            // Flags given as a list of one, as the parser produces; empty flags are not typed at all.
            if (def.positional) raw[name] = v;
            else if (v !== "") raw[name] = [v];
          });
          const line = commandLineOf(operation, raw);
          const parsed = reparse(line);
          expect(parsed.kind, `${line} → ${JSON.stringify(parsed)}`).toBe("operation");
          if (parsed.kind === "operation") {
            expect(parsed.operation.id).toBe(operation.id);
            expect(parsed.raw).toEqual(normalised(raw, operation.id));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
