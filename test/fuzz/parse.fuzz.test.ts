import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tokenize } from "../../src/catalogue/command-line/tokenize.js";
import { createCatalogue } from "../../src/catalogue/index.js";
import { parseCommand } from "../../src/catalogue/parse.js";
import { validateArgs } from "../../src/catalogue/validate.js";
import { commandLine, runs, unclearParts } from "./arbitraries.js";

// The command line as typed, in process: tokenizer, parser and argument validation never throw, and
// every refusal is a clear message.

const catalogue = createCatalogue();
const booleanFlags = catalogue.booleanFlags();

describe("fuzz: /ops text", () => {
  it("never throws; every error is a clear message; every parsed operation validates or says why", () => {
    fc.assert(
      fc.property(commandLine(catalogue), (text) => {
        const tokens = tokenize(text, { booleanFlags });
        if (!tokens.ok) {
          expect(unclearParts(tokens.error.message, text), text).toEqual([]);
          return;
        }
        const parsed = parseCommand(catalogue, tokens.tokens);
        if (parsed.kind === "error") {
          expect(unclearParts(parsed.message, text), text).toEqual([]);
          return;
        }
        if (parsed.kind !== "operation") return;
        const validation = validateArgs(parsed.operation, parsed.raw, {
          "orchestration.projectId": "proj-1",
          "orchestration.allocationId": "alloc-1",
        });
        if (validation.ok) return;
        expect(validation.issues.length).toBeGreaterThan(0);
        for (const issue of validation.issues) {
          expect(Object.keys(parsed.operation.args), text).toContain(issue.arg);
          expect(unclearParts(issue.message, text), text).toEqual([]);
        }
      }),
      { numRuns: runs(3_000) },
    );
  });

  it("refuses a line far over Slack's limit with a message, not a crash", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 5_000, maxLength: 40_000, unit: "grapheme-ascii" }), (text) => {
        const tokens = tokenize(text, { booleanFlags });
        if (tokens.ok) return;
        expect(unclearParts(tokens.error.message)).toEqual([]);
      }),
      { numRuns: runs(20, 0.001) },
    );
  });
});
