import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Catalogue } from "../../src/catalogue/catalogue.js";
import { tokenize } from "../../src/catalogue/command-line/tokenize.js";
import { arg, defineOperation } from "../../src/catalogue/define.js";
import { createCatalogue } from "../../src/catalogue/index.js";
import { record } from "../../src/catalogue/output.js";
import { parseCommand } from "../../src/catalogue/parse.js";

const catalogue = createCatalogue();
const parse = (text: string) => {
  const tokens = tokenize(text, { booleanFlags: catalogue.booleanFlags() });
  if (!tokens.ok) throw new Error(tokens.error.message);
  return parseCommand(catalogue, tokens.tokens);
};

describe("--force, the change-freeze override", () => {
  it("is taken off any change, bare or yes/no, and is not an argument of the operation", () => {
    const bare = parse("job delete analytics nightly --force");
    expect(bare).toMatchObject({
      kind: "operation",
      force: true,
      raw: { namespace: "analytics", name: "nightly" },
    });
    expect(parse("job delete analytics nightly --force=no")).toMatchObject({ force: false });
    expect(parse("job delete analytics nightly")).toMatchObject({ force: false });
  });

  it("is refused on reads and with a value that is not yes/no", () => {
    expect(parse("namespace list --force")).toMatchObject({
      kind: "error",
      message: expect.stringContaining("reads are never locked"),
    });
    expect(parse("job delete analytics nightly --force=maybe")).toMatchObject({ kind: "error" });
  });

  it("keeps payload delete's own flag apart", () => {
    expect(parse("payload delete p-1 --force-delete --force")).toMatchObject({
      kind: "operation",
      force: true,
      raw: { payloadId: "p-1", forceDelete: ["true"] },
    });
  });

  it("cannot be taken by an operation's own flag", () => {
    const clash = defineOperation({
      id: "thing:drop",
      resource: "thing",
      verb: "drop",
      summary: "Drop a thing",
      risk: "destructive",
      backend: "deploy",
      needsIdentity: false,
      args: { force: arg.flag(z.boolean().optional(), { label: "Force", input: "boolean" }) },
      run: async () => ({}),
      render: () => record("dropped", []),
    });
    expect(() => new Catalogue([clash])).toThrow(/--force is opsbot's own/);
  });
});
