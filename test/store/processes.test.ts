import { describe, expect, it } from "vitest";
import type { Store } from "../../src/store/index.js";
import { newRequest, oneApprover, storeKinds, T0, useTempStore } from "./helpers.js";

const STALE_MS = 30_000;

/** An approved request claimed to run by `owner`. */
async function executing(store: Store, id: string, owner: string) {
  await store.approvals.create(newRequest({ id, correlationId: `corr-${id}`, rule: oneApprover }));
  await store.approvals.approve(id, "U0BOB", T0 + 1);
  return store.approvals.claimForExecution(id, T0 + 2, owner);
}

function noted(store: Store, id: string, owner: string, receivedAt = T0) {
  return store.intake.open({
    id,
    owner,
    userId: "U0ALICE",
    channelId: "C0OPS",
    text: "task list",
    responseUrl: `https://hooks.slack.test/commands/${id}`,
    receivedAt,
  });
}

describe.each(storeKinds)("the process registry and owner-aware takeovers (%s)", (kind) => {
  const tmp = useTempStore(kind);
  /** Moves a process's last heartbeat `ms` into the past, behind the store's back. */
  const age = (id: string, ms: number) =>
    tmp.exec(`UPDATE processes SET heartbeat_at = heartbeat_at - ${ms} WHERE id = '${id}'`);

  it("registers with the database's clock, beats, and is judged live or not in SQL against that clock", async () => {
    const store = await tmp.open();
    const before = Date.now();
    await store.processes.register("proc-a");
    const [record] = await store.processes.list(STALE_MS);
    // The machine's clock and the database's agree here; the point is that the caller gave no time.
    expect(record?.heartbeatAt).toBeGreaterThanOrEqual(before - 1_000);
    expect(record?.heartbeatAt).toBeLessThanOrEqual(Date.now() + 1_000);
    expect(record).toMatchObject({ id: "proc-a", live: true });
    expect(record?.stoppedAt).toBeUndefined();

    await age("proc-a", 10_000);
    expect((await store.processes.list(11_000))[0]?.live).toBe(true);
    expect((await store.processes.list(9_000))[0]?.live).toBe(false);
    await store.processes.heartbeat("proc-a");
    expect((await store.processes.list(9_000))[0]?.live).toBe(true);
  });

  it("a stopped process is not live at once; registering again brings it back; a heartbeat does not", async () => {
    const store = await tmp.open();
    await store.processes.register("proc-a");
    await store.processes.markStopped("proc-a");
    const [stopped] = await store.processes.list(STALE_MS);
    expect(stopped).toMatchObject({ live: false });
    expect(stopped?.stoppedAt).toBeTypeOf("number");
    await store.processes.heartbeat("proc-a");
    expect((await store.processes.list(STALE_MS))[0]?.live).toBe(false);
    await store.processes.register("proc-a");
    expect((await store.processes.list(STALE_MS))[0]?.live).toBe(true);
  });

  it("a heartbeat registers a process whose row is missing", async () => {
    const store = await tmp.open();
    await store.processes.heartbeat("proc-late");
    expect(await store.processes.list(STALE_MS)).toMatchObject([{ id: "proc-late", live: true }]);
  });

  it("forgets, at a registration, processes silent for a week", async () => {
    const store = await tmp.open();
    await store.processes.register("proc-old");
    await age("proc-old", 8 * 24 * 3_600_000);
    await store.processes.register("proc-new");
    expect((await store.processes.list(STALE_MS)).map((p) => p.id)).toEqual(["proc-new"]);
  });

  it("the claim records its owner", async () => {
    const store = await tmp.open();
    expect(await executing(store, "apr_1", "proc-a")).toMatchObject({ status: "executing", owner: "proc-a" });
    expect((await store.approvals.get("apr_1"))?.owner).toBe("proc-a");
  });

  it("takes over no executing request of a live owner, and those of a stale one, re-owned", async () => {
    const store = await tmp.open();
    await store.processes.register("proc-a");
    await store.processes.register("proc-b");
    await executing(store, "apr_1", "proc-a");
    expect(await store.approvals.takeOverInterrupted(STALE_MS, "proc-b", 10)).toEqual([]);

    await age("proc-a", STALE_MS + 1_000);
    const taken = await store.approvals.takeOverInterrupted(STALE_MS, "proc-b", 10);
    expect(taken).toMatchObject([{ id: "apr_1", status: "executing", owner: "proc-b" }]);
    // Now proc-b's, which is live: nobody else takes it, and proc-b not twice.
    await store.processes.register("proc-c");
    expect(await store.approvals.takeOverInterrupted(STALE_MS, "proc-c", 10)).toEqual([]);
    expect(await store.approvals.takeOverInterrupted(STALE_MS, "proc-b", 10)).toEqual([]);
    // What was taken over is ended once, by its new owner.
    await store.approvals.finish("apr_1", { ok: false, summary: "unknown" }, T0 + 3);
    await age("proc-b", STALE_MS + 1_000);
    expect(await store.approvals.takeOverInterrupted(STALE_MS, "proc-c", 10)).toEqual([]);
  });

  it("takes over a stopped owner's requests at once, and those of an unknown owner", async () => {
    const store = await tmp.open();
    await store.processes.register("proc-a");
    await store.processes.register("proc-b");
    await executing(store, "apr_1", "proc-a");
    await executing(store, "apr_2", "proc-never-registered");
    await executing(store, "apr_3", "proc-b");
    await store.processes.markStopped("proc-a");
    const taken = await store.approvals.takeOverInterrupted(STALE_MS, "proc-b", 10);
    expect(taken.map((r) => r.id).sort()).toEqual(["apr_1", "apr_2"]);
    expect(taken.every((r) => r.owner === "proc-b")).toBe(true);
  });

  it("takes over at most `limit`, oldest change first, and only executing ones", async () => {
    const store = await tmp.open();
    await store.processes.register("proc-b");
    for (const id of ["apr_1", "apr_2", "apr_3"]) await executing(store, id, "proc-gone");
    await store.approvals.finish("apr_2", { ok: true, summary: "done" }, T0 + 3);
    await store.approvals.create(newRequest({ id: "apr_4", correlationId: "corr-4" }));
    expect((await store.approvals.takeOverInterrupted(STALE_MS, "proc-b", 1)).map((r) => r.id)).toEqual([
      "apr_1",
    ]);
    expect((await store.approvals.takeOverInterrupted(STALE_MS, "proc-b", 10)).map((r) => r.id)).toEqual([
      "apr_3",
    ]);
  });

  it("takes over unsettled commands only from gone owners, oldest first, re-owned", async () => {
    const store = await tmp.open();
    await store.processes.register("proc-a");
    await store.processes.register("proc-b");
    await store.processes.register("proc-stopped");
    await store.processes.markStopped("proc-stopped");
    await noted(store, "live", "proc-a", T0);
    await noted(store, "stopped", "proc-stopped", T0 + 2);
    await noted(store, "unknown", "proc-unknown", T0 + 1);
    const taken = await store.intake.takeOverUnsettled(STALE_MS, "proc-b");
    expect(taken.map((e) => [e.id, e.owner])).toEqual([
      ["unknown", "proc-b"],
      ["stopped", "proc-b"],
    ]);
    expect(await store.intake.takeOverUnsettled(STALE_MS, "proc-b")).toEqual([]);
    await age("proc-a", STALE_MS + 1_000);
    expect((await store.intake.takeOverUnsettled(STALE_MS, "proc-b")).map((e) => e.id)).toEqual(["live"]);
    expect((await store.intake.unsettled()).map((e) => e.owner)).toEqual(["proc-b", "proc-b", "proc-b"]);
  });

  it("two survivors taking over at once get disjoint sets that together hold every orphan", async () => {
    const a = await tmp.open();
    const b = await tmp.open();
    await a.processes.register("proc-b");
    await a.processes.register("proc-c");
    for (let i = 0; i < 20; i++) {
      await executing(a, `apr_${i}`, "proc-dead");
      await noted(a, `cmd_${i}`, "proc-dead", T0 + i);
    }
    const [byB, byC, cmdB, cmdC] = await Promise.all([
      a.approvals.takeOverInterrupted(STALE_MS, "proc-b", 500),
      b.approvals.takeOverInterrupted(STALE_MS, "proc-c", 500),
      a.intake.takeOverUnsettled(STALE_MS, "proc-b"),
      b.intake.takeOverUnsettled(STALE_MS, "proc-c"),
    ]);
    const requests = [...byB, ...byC].map((r) => r.id);
    expect(new Set(requests).size).toBe(requests.length);
    expect(requests).toHaveLength(20);
    const commands = [...cmdB, ...cmdC].map((e) => e.id);
    expect(new Set(commands).size).toBe(commands.length);
    expect(commands).toHaveLength(20);
  });
});
