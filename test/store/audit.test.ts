import { describe, expect, it } from "vitest";
import type { AuditEntry, Store } from "../../src/store/index.js";
import { storeKinds, T0, useTempStore } from "./helpers.js";

async function seed(store: Store) {
  const entry = (at: number, userId: string, operationId: string) =>
    store.audit.append({
      at,
      correlationId: `c${at}`,
      kind: "execution",
      operationId,
      userId,
      outcome: "ok",
    });
  await entry(T0, "U0ALICE", "task:deploy");
  await entry(T0 + 1, "U0BOB", "job:delete");
  await entry(T0 + 2, "U0ALICE", "task:list");
  await entry(T0 + 3, "U0ALICE", "job:delete");
}

describe.each(storeKinds)("audit log (%s)", (kind) => {
  const tmp = useTempStore(kind);

  it("reads every field back as written, and leaves absent ones absent", async () => {
    const store = await tmp.open();
    const full: AuditEntry = {
      at: T0,
      correlationId: "corr-1",
      kind: "approval.approved",
      operationId: "task:deploy",
      args: { repository: "api", replicas: 2, tags: ["a"] },
      userId: "U0BOB",
      identity: "bob@example.com",
      channelId: "C0OPS",
      outcome: "approved 1/2",
      durationMs: 12,
      detail: "rule deploys",
    };
    await store.audit.append(full);
    await store.audit.append({
      at: T0 + 1,
      correlationId: "corr-2",
      kind: "refusal",
      userId: "U0EVE",
      outcome: "denied",
    });
    const [bare, first] = await store.audit.query({ limit: 10 });
    expect(first).toEqual({ ...full, id: expect.any(Number) });
    expect(bare).toEqual({
      id: expect.any(Number),
      at: T0 + 1,
      correlationId: "corr-2",
      kind: "refusal",
      userId: "U0EVE",
      outcome: "denied",
    });
  });

  it("filters by user, by operation (exact or with *) and by time, newest first, within the limit", async () => {
    const store = await tmp.open();
    await seed(store);
    const ats = async (q: Parameters<Store["audit"]["query"]>[0]) =>
      (await store.audit.query(q)).map((e) => e.at);
    expect(await ats({ limit: 10 })).toEqual([T0 + 3, T0 + 2, T0 + 1, T0]);
    expect(await ats({ limit: 2 })).toEqual([T0 + 3, T0 + 2]);
    expect(await ats({ userId: "U0ALICE", limit: 10 })).toEqual([T0 + 3, T0 + 2, T0]);
    expect(await ats({ operationId: "job:delete", limit: 10 })).toEqual([T0 + 3, T0 + 1]);
    expect(await ats({ operationId: "*:delete", userId: "U0BOB", limit: 10 })).toEqual([T0 + 1]);
    expect(await ats({ operationId: "task:*", since: T0 + 1, limit: 10 })).toEqual([T0 + 2]);
    expect(await ats({ operationId: "task", limit: 10 })).toEqual([]);
    expect(await ats({ since: T0 + 4, limit: 10 })).toEqual([]);
  });

  it("pages with the id of the last entry seen", async () => {
    const store = await tmp.open();
    await seed(store);
    const page1 = await store.audit.query({ limit: 3 });
    const page2 = await store.audit.query({ limit: 3, before: page1.at(-1)?.id ?? 0 });
    expect(page1.map((e) => e.at)).toEqual([T0 + 3, T0 + 2, T0 + 1]);
    expect(page2.map((e) => e.at)).toEqual([T0]);
    expect(await store.audit.query({ limit: 3, before: page2.at(-1)?.id ?? 0 })).toEqual([]);
  });

  it("refuses GLOB syntax other than * and a limit that is not a positive integer", async () => {
    const store = await tmp.open();
    await expect(store.audit.query({ operationId: "task:[ab]", limit: 1 })).rejects.toThrow(RangeError);
    await expect(store.audit.query({ operationId: "task:?", limit: 1 })).rejects.toThrow(RangeError);
    await expect(store.audit.query({ limit: 0 })).rejects.toThrow(RangeError);
  });
});
