import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Catalogue } from "../../src/catalogue/catalogue.js";
import { arg, defineOperation } from "../../src/catalogue/define.js";
import { createCatalogue } from "../../src/catalogue/index.js";
import { type Output, record } from "../../src/catalogue/output.js";
import { backendPaging, decodeOffset, encodeOffset, pagedHere } from "../../src/catalogue/paging.js";
import { parseCommand, type Tokens } from "../../src/catalogue/parse.js";
import { validateArgs } from "../../src/catalogue/validate.js";

const names = ["a", "b", "c", "d", "e"];
const letters = pagedHere(
  defineOperation({
    id: "letter:list",
    resource: "letter",
    verb: "list",
    summary: "List letters",
    risk: "read",
    backend: "deploy",
    needsIdentity: false,
    args: {},
    run: async () => names,
    render: (items): Output => ({
      kind: "list",
      title: "Letters",
      empty: "None.",
      items: items.map((title) => ({ title })),
    }),
  }),
);
const tokens = (flags: [string, string[]][]): Tokens => ({
  positionals: ["letter", "list"],
  flags: new Map(flags),
});

function page(flags: [string, string[]][]) {
  const parsed = parseCommand(new Catalogue([letters]), tokens(flags));
  if (parsed.kind !== "operation") throw new Error(JSON.stringify(parsed));
  const valid = validateArgs(letters, parsed.raw);
  if (!valid.ok) return { issues: valid.issues.map((i) => i.message), hints: parsed.hints };
  const output = letters.render(names, valid.args as never);
  if (output.kind !== "list") throw new Error("not a list");
  return {
    titles: output.items.map((i) => i.title),
    next: output.nextCursor,
    empty: output.empty,
    hints: parsed.hints,
  };
}

describe("paging", () => {
  it("gives every list of the real catalogue --limit and --cursor", () => {
    const lists = createCatalogue().operations.filter((o) => o.verb === "list" || o.verb === "templates");
    expect(lists.length).toBeGreaterThanOrEqual(12);
    for (const list of lists)
      expect({ id: list.id, args: Object.keys(list.args) }).toMatchObject({
        id: list.id,
        args: expect.arrayContaining(["limit", "cursor"]),
      });
  });

  it("pages a list the backend answers whole, the cursor leading to the next page", () => {
    const first = page([["limit", ["2"]]]);
    expect(first).toMatchObject({ titles: ["a", "b"] });
    const second = page([
      ["limit", ["2"]],
      ["cursor", [String(first.next)]],
    ]);
    expect(second).toMatchObject({ titles: ["c", "d"] });
    const third = page([
      ["limit", ["2"]],
      ["cursor", [String(second.next)]],
    ]);
    expect(third).toEqual({ titles: ["e"], next: undefined, empty: "None.", hints: undefined });
    expect(page([])).toMatchObject({ titles: names, next: undefined });
  });

  it("says so when a cursor points past the end, and refuses one it did not issue", () => {
    expect(page([["cursor", [encodeOffset(9)]]])).toMatchObject({
      titles: [],
      empty: expect.stringContaining("has 5"),
    });
    for (const bad of ["nonsense", Buffer.from("offset:-1").toString("base64url"), "a".repeat(41), "%%"])
      expect(page([["cursor", [bad]]]).issues).toEqual([
        "is not a cursor this list gave: run the list again without it",
      ]);
    expect(decodeOffset(encodeOffset(1234))).toBe(1234);
  });

  it("takes the former spellings, with a hint naming the current ones", () => {
    expect(page([["last", ["2"]]])).toMatchObject({
      titles: ["a", "b"],
      hints: ["`--last` is now `--limit`."],
    });
    expect(
      page([
        ["page-size", ["1"]],
        ["page-token", [encodeOffset(4)]],
      ]),
    ).toMatchObject({
      titles: ["e"],
      hints: ["`--page-size` is now `--limit`.", "`--page-token` is now `--cursor`."],
    });
    expect(
      parseCommand(
        new Catalogue([letters]),
        tokens([
          ["limit", ["1"]],
          ["last", ["2"]],
        ]),
      ),
    ).toMatchObject({
      kind: "error",
      message: "`--last` gives `--limit` a second time.",
    });
  });

  it("refuses a limit outside 1-1000", () => {
    expect(page([["limit", ["0"]]]).issues).toEqual(["must be at least 1"]);
    expect(page([["limit", ["1001"]]]).issues).toEqual(["must be at most 1000"]);
  });

  it("refuses an operation whose flag takes a former spelling of another", () => {
    const clash = defineOperation({
      id: "thing:list",
      resource: "thing",
      verb: "list",
      summary: "List things",
      risk: "read",
      backend: "calyptia",
      needsIdentity: false,
      args: { last: arg.flag(z.string().optional(), { label: "Last" }), ...backendPaging },
      run: async () => [],
      render: () => record("x", []),
    });
    expect(() => new Catalogue([clash])).toThrow(/flag --last is defined twice/);
  });
});
