import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { ApiClients } from "../../src/api/index.js";
import { arg, defineOperation } from "../../src/catalogue/define.js";
import { OptionsService } from "../../src/core/options.js";
import { OptionsTally } from "../../src/core/options-tally.js";
import type { AccessCheck } from "../../src/core/policy/access.js";
import { quickCheck } from "../../src/core/policy/quick-check.js";
import { RateLimiter } from "../../src/core/rate-limit.js";
import type { AuditEntry } from "../../src/store/types.js";

const deployConfig = defineOperation({
  id: "task:deploy-config",
  resource: "task",
  verb: "deploy-config",
  summary: "Deploy",
  risk: "write",
  backend: "deploy",
  needsIdentity: true,
  args: {
    namespace: arg.flag(z.string(), { label: "Namespace", input: "external_select", source: "namespaces" }),
  },
  run: async () => undefined,
  render: () => ({ kind: "list", title: "", empty: "", items: [] }),
});

function service(allowed: (userId: string, operationId: string) => boolean) {
  let now = 0;
  const backend: string[] = [];
  const counted: string[] = [];
  const api = {
    deploy: {
      listNamespaces: async () => {
        backend.push("namespaces");
        return [{ name: "analytics" }];
      },
    },
  } as unknown as Pick<ApiClients, "deploy">;
  const options = new OptionsService({
    api,
    access: {
      check: async (userId, _channel, operationId): Promise<AccessCheck> =>
        allowed(userId, operationId) ? { allowed: true, role: "r" } : { allowed: false, message: "no" },
    },
    tally: { count: (c) => void counted.push(`${c.userId} ${c.operationId} ${c.outcome}`) },
    now: () => now,
  });
  const ask = (userId: string) =>
    options.names({
      userId,
      channelId: "C0OPS",
      operation: deployConfig,
      source: "namespaces",
      signal: new AbortController().signal,
    });
  const tick = (ms: number) => {
    now += ms;
  };
  return { ask, backend, counted, tick };
}

describe("OptionsService", () => {
  it("needs both the form's operation and the read the names come from", async () => {
    const onlyForm = service((_u, op) => op === "task:deploy-config");
    expect(await onlyForm.ask("U1")).toEqual([]);
    const onlyRead = service((_u, op) => op === "namespace:list");
    expect(await onlyRead.ask("U1")).toEqual([]);
    expect([...onlyForm.backend, ...onlyRead.backend]).toEqual([]);
    expect(onlyForm.counted).toEqual(["U1 namespace:list refused"]);
  });

  it("reuses a source's names for 10 s, and limits each person to 10 in 10 s", async () => {
    const { ask, backend, counted, tick } = service(() => true);
    for (let i = 0; i < 10; i++) expect(await ask("U1")).toEqual(["analytics"]);
    expect(await ask("U1")).toEqual([]);
    expect(await ask("U2")).toEqual(["analytics"]);
    expect(backend).toEqual(["namespaces"]);
    expect(counted.filter((c) => c.endsWith("limited"))).toEqual(["U1 namespace:list limited"]);
    tick(10_001);
    expect(await ask("U1")).toEqual(["analytics"]);
    expect(backend).toEqual(["namespaces", "namespaces"]);
  });
});

describe("OptionsTally", () => {
  it("writes one audit row per person and read, with the counts, and starts again", async () => {
    const rows: Omit<AuditEntry, "at" | "id">[] = [];
    const tally = new OptionsTally({ record: async (entry) => void rows.push(entry) });
    for (const outcome of ["answered", "answered", "limited"] as const)
      tally.count({ userId: "U1", channelId: "C0OPS", operationId: "namespace:list", outcome });
    tally.count({ userId: "U2", channelId: "C0OPS", operationId: "namespace:list", outcome: "refused" });
    await tally.flush();
    expect(rows).toEqual([
      expect.objectContaining({
        kind: "command",
        userId: "U1",
        operationId: "namespace:list",
        outcome: "options",
        detail: "dropdown options: 2 answered, 1 limited",
      }),
      expect.objectContaining({ userId: "U2", detail: "dropdown options: 1 refused" }),
    ]);
    await tally.flush();
    expect(rows).toHaveLength(2);
  });
});

describe("RateLimiter", () => {
  it("allows `limit` takes per key in a sliding window", () => {
    let now = 0;
    const limiter = new RateLimiter({ limit: 2, windowMs: 1_000, now: () => now });
    expect([limiter.take("a"), limiter.take("a"), limiter.take("a"), limiter.take("b")]).toEqual([
      true,
      true,
      false,
      true,
    ]);
    now = 1_001;
    expect(limiter.take("a")).toBe(true);
  });

  it("remembers at most maxKeys people under a flood of distinct ones, keeping the busy ones' counts", () => {
    const limiter = new RateLimiter({ limit: 2, windowMs: 60_000, maxKeys: 100, now: () => 0 });
    limiter.take("busy");
    limiter.take("busy");
    for (let n = 0; n < 5_000; n++) {
      limiter.take(`U${n}`);
      expect(limiter.take("busy")).toBe(false);
    }
    expect(limiter.size).toBe(100);
  });
});

describe("quickCheck", () => {
  it("refuses, saying to try again, when the check is late or fails", async () => {
    const slow = { check: () => new Promise<AccessCheck>(() => undefined) };
    expect(await quickCheck(slow, "U1", "C1", "task:deploy", 10)).toMatchObject({
      allowed: false,
      message: expect.stringContaining("Try again"),
    });
    const failing = { check: async (): Promise<AccessCheck> => Promise.reject(new Error("slack down")) };
    expect((await quickCheck(failing, "U1", "C1", "task:deploy")).allowed).toBe(false);
    const quick = { check: async (): Promise<AccessCheck> => ({ allowed: true, role: "admin" }) };
    expect(await quickCheck(quick, "U1", "C1", "task:deploy")).toEqual({ allowed: true, role: "admin" });
  });
});
