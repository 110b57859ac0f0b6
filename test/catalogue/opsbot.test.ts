import { afterEach, describe, expect, it } from "vitest";
import { tokenize } from "../../src/catalogue/command-line/tokenize.js";
import { createCatalogue } from "../../src/catalogue/index.js";
import { type OpsbotContext, UserFacingError } from "../../src/catalogue/opsbot/context.js";
import { durationMs, untilOf } from "../../src/catalogue/opsbot/time.js";
import { parseCommand, usageOf } from "../../src/catalogue/parse.js";
import { validateArgs } from "../../src/catalogue/validate.js";
import { openSqliteStore, type Store } from "../../src/store/index.js";

// opsbot's own commands are catalogue operations: parsed, validated and run like any other.

const catalogue = createCatalogue();
const NOW = Date.parse("2026-11-23T10:30:00Z");
const ALLOCATION = "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f";

function read(text: string) {
  const tokens = tokenize(text, { booleanFlags: catalogue.booleanFlags() });
  if (!tokens.ok) throw new Error(tokens.error.message);
  const parsed = parseCommand(catalogue, tokens.tokens);
  if (parsed.kind !== "operation") return { parsed, problems: parsed.kind === "error" ? parsed.message : "" };
  const validation = validateArgs(parsed.operation, parsed.raw);
  return {
    parsed,
    operation: parsed.operation,
    args: validation.ok ? validation.args : undefined,
    problems: validation.ok ? "" : validation.issues.map((i) => `${i.arg} ${i.message}`).join("; "),
  };
}

const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

function context(): OpsbotContext {
  const store = openSqliteStore({ path: ":memory:" });
  stores.push(store);
  return {
    now: NOW,
    locks: store.locks,
    subscriptions: store.subscriptions,
    channelsFor: (event) => store.subscriptions.channelsFor(event),
    audit: store.audit,
    whoami: async () => ({ identity: "alice@example.com", roles: ["admin"], policy: "from the file" }),
  };
}

async function run(text: string, opsbot = context()) {
  const { operation, args, problems } = read(text);
  if (!operation || !args) throw new Error(`${text}: ${problems}`);
  const result = await operation.run(
    { api: undefined as never, opsbot, actor: { userId: "U0BOB", channelId: "C0OPS" } },
    args,
  );
  return { operation, args, output: operation.render(result, args), opsbot };
}

describe("opsbot's own commands in the catalogue", () => {
  it("are bare words with their usage, help and permission name from one entry each", () => {
    expect(catalogue.commands.map((c) => c.id)).toEqual([
      "whoami",
      "lock",
      "unlock",
      "audit",
      "subscribe",
      "unsubscribe",
    ]);
    const lock = catalogue.command("lock");
    if (!lock) throw new Error("no lock");
    expect(usageOf(lock)).toBe(
      "/ops lock [<namespace|allocation>] [<name>] [--reason <reason>] [--until <until>]",
    );
    expect(catalogue.resources).not.toContain("lock");
  });

  it("reads a lock's target, reason and end", () => {
    expect(read('lock namespace prod-eu --reason "release freeze"').args).toEqual({
      kind: "namespace",
      name: "prod-eu",
      reason: "release freeze",
    });
    expect(read(`lock allocation ${ALLOCATION} --reason tournament --until 2h`).args).toMatchObject({
      kind: "allocation",
      until: "2h",
    });
    expect(read("lock").args).toEqual({});
    expect(read("unlock namespace prod-eu").args).toEqual({ kind: "namespace", name: "prod-eu" });
  });

  it.each([
    ["lock namespace prod", "reason is required"],
    ["lock namespace Prod_EU --reason x", "name "],
    ["lock allocation not-a-uuid --reason x", "UUID"],
    ["lock cluster x --reason x", "kind "],
    ["lock namespace prod --reason x --until 25:00", "until must be a time of day"],
    ["lock --reason x", "kind is required"],
    ["unlock namespace", "name is required"],
    ["audit --user alice", "mention them"],
    ["audit --since yesterday", "duration"],
    ["audit --limit 0", "at least 1"],
    ["audit --format xml", "list, csv or json"],
    ["audit --operation 'task deploy'", "resource:verb"],
    ["subscribe nonsense", "must be one of"],
    ["subscribe operation.started general", "channel mention"],
  ])("refuses %s, saying which argument and why", (text, says) => {
    expect(read(text).problems).toContain(says);
  });

  it.each([
    ["lock namespace prod --reason x --why y", "no flag `--why`"],
    ["unlock namespace a b", "Too many arguments"],
    ["audit everything", "Too many arguments"],
  ])("refuses %s before validation", (text, says) => {
    expect(read(text).parsed).toMatchObject({ kind: "error", message: expect.stringContaining(says) });
  });

  it("locks, lists and unlocks through opsbot's own state", async () => {
    const opsbot = context();
    const locked = await run('lock namespace prod --reason "quarter close" --until 18:00', opsbot);
    expect(locked.output).toMatchObject({ kind: "record", title: "Locked namespace prod" });
    expect(await opsbot.locks.list(NOW)).toMatchObject([
      {
        target: { kind: "namespace", name: "prod" },
        lockedBy: "U0BOB",
        until: Date.parse("2026-11-23T18:00:00Z"),
      },
    ]);
    expect((await run("lock", opsbot)).output).toMatchObject({
      kind: "list",
      items: [{ title: "namespace prod" }],
    });
    expect((await run("unlock namespace prod", opsbot)).output).toMatchObject({
      title: "Unlocked namespace prod",
    });
    await expect(run("unlock namespace prod", opsbot)).rejects.toThrow(UserFacingError);
  });

  it("refuses an end in the past or more than 30 days away when it runs", async () => {
    await expect(run("lock namespace prod --reason x --until 2025-01-01T00:00Z")).rejects.toThrow(
      /in the future/,
    );
    await expect(run("lock namespace prod --reason x --until 90d")).rejects.toThrow(/within 30 days/);
  });

  it("only lists for everyone: the listing forms are open, the changes are not", () => {
    const open = (text: string) => {
      const { operation, args } = read(text);
      return operation?.open?.(args as never) ?? false;
    };
    expect([open("lock"), open("subscribe"), open("whoami")]).toEqual([true, true, true]);
    expect([
      open("lock namespace prod --reason x"),
      open("subscribe operation.started"),
      open("audit"),
    ]).toEqual([false, false, false]);
  });

  it("routes an event to this channel or a named one, and says when nothing changed", async () => {
    const opsbot = context();
    const first = await run("subscribe operation.started <#C0AUDIT|audit>", opsbot);
    expect(first.output).toMatchObject({
      tone: "success",
      fields: [{ value: "operation.started" }, { value: "C0AUDIT" }],
    });
    const again = await run("subscribe operation.started <#C0AUDIT|audit>", opsbot);
    expect(again.output).toMatchObject({ tone: "info" });
    await run("subscribe operation.failed", opsbot);
    expect(await opsbot.channelsFor("operation.failed")).toEqual(["C0OPS"]);
    expect((await run("unsubscribe operation.started <#C0AUDIT|audit>", opsbot)).output).toMatchObject({
      tone: "success",
    });
  });
});

describe("times", () => {
  it("reads s, m, h and d", () => {
    expect([durationMs("90s"), durationMs("30m"), durationMs("2h"), durationMs("1d")]).toEqual([
      90_000, 1_800_000, 7_200_000, 86_400_000,
    ]);
    expect(durationMs("2 hours")).toBeUndefined();
  });

  it("takes a time of day as the next one, in UTC", () => {
    expect(untilOf("18:00", NOW)).toBe(Date.parse("2026-11-23T18:00:00Z"));
    expect(untilOf("09:00", NOW)).toBe(Date.parse("2026-11-24T09:00:00Z"));
    expect(untilOf("2026-11-25T08:00Z", NOW)).toBe(Date.parse("2026-11-25T08:00:00Z"));
  });
});
