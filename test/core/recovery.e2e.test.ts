import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalogue } from "../../src/catalogue/index.js";
import { openSqliteStore, type Store } from "../../src/store/index.js";
import { type AppStack, startAppStack } from "../helpers/app-stack.js";
import { newRequest, oneApprover, T0 } from "../store/helpers.js";

// The core among replicas: it registers and beats, owns what it runs and notes, and recovers only what
// gone processes left (a stopped one, an unknown one), never a live one's.

let store: Store;
let stack: AppStack;

beforeAll(async () => {
  store = openSqliteStore({ path: ":memory:" });
  stack = await startAppStack({
    catalogue: createCatalogue(),
    users: [{ id: "U0ALICE", name: "alice", email: "alice@example.com" }],
    store,
  });
});
afterAll(async () => {
  await stack.close();
  await store.close();
});

async function executingBy(id: string, owner: string) {
  await store.approvals.create(newRequest({ id, correlationId: `corr-${id}`, rule: oneApprover }));
  await store.approvals.approve(id, "U0BOB", T0 + 1);
  await store.approvals.claimForExecution(id, T0 + 2, owner);
}

describe("recovery among replicas", () => {
  it("registers the process at start, live", async () => {
    const live = (await store.processes.list(30_000)).filter((p) => p.live).map((p) => p.id);
    expect(live).toContain(stack.bot.core.processId);
  });

  it("ends a stopped or unknown owner's executing request as unknown, and leaves a live owner's", async () => {
    await store.processes.register("proc-live");
    await store.processes.register("proc-stopped");
    await store.processes.markStopped("proc-stopped");
    await executingBy("apr_live", "proc-live");
    await executingBy("apr_stopped", "proc-stopped");
    await executingBy("apr_unknown", "proc-unknown");

    expect(await stack.bot.core.approvals.recoverInterrupted()).toBe(2);
    expect(await store.approvals.get("apr_live")).toMatchObject({ status: "executing", owner: "proc-live" });
    for (const id of ["apr_stopped", "apr_unknown"])
      expect(await store.approvals.get(id)).toMatchObject({
        status: "failed",
        owner: stack.bot.core.processId,
        outcome: { ok: false, summary: expect.stringContaining("whether it took effect is unknown") },
      });
    expect(await stack.bot.core.approvals.recoverInterrupted()).toBe(0);
  });

  it("notes a command under its own id while it handles it", async () => {
    const owners: string[] = [];
    await stack.bot.core.journaled(
      { user_id: "U0ALICE", channel_id: "C0REC", text: "namespace list", response_url: "https://x.test/1" },
      async () => {},
      async () => {
        owners.push(...(await store.intake.unsettled()).map((e) => e.owner));
      },
    );
    expect(owners).toEqual([stack.bot.core.processId]);
    expect(await store.intake.unsettled()).toEqual([]);
  });

  it("a restart marks the old process stopped and registers the new one", async () => {
    const before = stack.bot.core.processId;
    await stack.restartBot();
    const after = stack.bot.core.processId;
    expect(after).not.toBe(before);
    const known = new Map((await store.processes.list(30_000)).map((p) => [p.id, p]));
    expect(known.get(before)).toMatchObject({ live: false, stoppedAt: expect.any(Number) });
    expect(known.get(after)).toMatchObject({ live: true });
  });
});
