import { describe, expect, it } from "vitest";
import { durationMs } from "../../src/catalogue/admin.js";
import { tokenize } from "../../src/catalogue/command-line/tokenize.js";
import { createCatalogue } from "../../src/catalogue/index.js";
import { parseCommand } from "../../src/catalogue/parse.js";

const catalogue = createCatalogue();
const NOW = Date.parse("2026-11-23T10:30:00Z");
const ALLOCATION = "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f";
const parse = (text: string) => {
  const tokens = tokenize(text, { booleanFlags: catalogue.booleanFlags() });
  if (!tokens.ok) throw new Error(tokens.error.message);
  return parseCommand(catalogue, tokens.tokens, NOW);
};

describe("/ops lock and unlock", () => {
  it("locks a namespace or an allocation with a reason and an optional end", () => {
    expect(parse('lock namespace prod-eu --reason "release freeze"')).toEqual({
      kind: "admin",
      command: { kind: "lock", target: { kind: "namespace", name: "prod-eu" }, reason: "release freeze" },
    });
    expect(parse(`lock allocation ${ALLOCATION} --reason tournament --until 2h`)).toMatchObject({
      command: { target: { kind: "allocation", name: ALLOCATION }, until: NOW + 2 * 3_600_000 },
    });
    // A time of day is the next one, in UTC: 18:00 today, 09:00 tomorrow.
    expect(parse("lock namespace prod --reason x --until 18:00")).toMatchObject({
      command: { until: Date.parse("2026-11-23T18:00:00Z") },
    });
    expect(parse("lock namespace prod --reason x --until 09:00")).toMatchObject({
      command: { until: Date.parse("2026-11-24T09:00:00Z") },
    });
    expect(parse("lock namespace prod --reason x --until 2026-11-25T08:00Z")).toMatchObject({
      command: { until: Date.parse("2026-11-25T08:00:00Z") },
    });
  });

  it("lists the locks when given nothing, and unlocks a target", () => {
    expect(parse("lock")).toEqual({ kind: "admin", command: { kind: "locks" } });
    expect(parse("unlock namespace prod-eu")).toEqual({
      kind: "admin",
      command: { kind: "unlock", target: { kind: "namespace", name: "prod-eu" } },
    });
  });

  it.each([
    ["lock namespace prod", "--reason"],
    ["lock namespace Prod_EU --reason x", "namespace"],
    ["lock allocation not-a-uuid --reason x", "UUID"],
    ["lock cluster x --reason x", "`namespace <name>` or `allocation <id>`"],
    ["lock namespace prod --reason x --until 25:00", "--until"],
    ["lock namespace prod --reason x --until 2025-01-01T00:00Z", "in the future"],
    ["lock namespace prod --reason x --until 90d", "within 30 days"],
    ["lock namespace prod --reason x --why y", "no flag `--why`"],
    ["unlock namespace", "Give the namespace name"],
    ["unlock namespace a b", "Too many arguments"],
  ])("refuses %s with a specific message", (text, says) => {
    const parsed = parse(text);
    expect(parsed.kind).toBe("error");
    if (parsed.kind === "error") {
      expect(parsed.message).toContain(says);
      expect(parsed.usage).toMatch(/^\/ops (un)?lock/);
    }
  });
});

describe("/ops audit", () => {
  it("takes a user mention, an operation pattern, a window, a limit and a format", () => {
    expect(
      parse("audit --user <@U0ALICE|alice> --operation task:deploy --since 1h --limit 5 --format csv"),
    ).toEqual({
      kind: "admin",
      command: {
        kind: "audit",
        user: "U0ALICE",
        operation: "task:deploy",
        since: NOW - 3_600_000,
        limit: 5,
        format: "csv",
      },
    });
    expect(parse("audit")).toEqual({ kind: "admin", command: { kind: "audit", limit: 20, format: "list" } });
  });

  it.each([
    ["audit --user alice", "mention them"],
    ["audit --since yesterday", "duration"],
    ["audit --limit 0", "1 to 1000"],
    ["audit --format xml", "list, csv or json"],
    ["audit everything", "only flags"],
    ["audit --operation 'task deploy'", "resource:verb"],
  ])("refuses %s", (text, says) => {
    expect(parse(text)).toMatchObject({ kind: "error", message: expect.stringContaining(says) });
  });
});

describe("durationMs", () => {
  it("reads s, m, h and d", () => {
    expect([durationMs("90s"), durationMs("30m"), durationMs("2h"), durationMs("1d")]).toEqual([
      90_000, 1_800_000, 7_200_000, 86_400_000,
    ]);
    expect(durationMs("2 hours")).toBeUndefined();
  });
});
