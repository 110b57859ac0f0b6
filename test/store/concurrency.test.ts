import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { newRequest, oneApprover, storeKinds, type TempStore, useTempStore } from "./helpers.js";

/** Starts `n` processes on the same database, releases them together, and collects every answer. */
async function race(
  tmp: TempStore,
  n: number,
  op: "claim" | "approve" | "takeover",
  perProcess: number,
): Promise<string[]> {
  const script = fileURLToPath(new URL("./contender.ts", import.meta.url));
  const args = (i: number) => [tmp.location, tmp.schema ?? "", op, "apr_1", String(perProcess), `U0P${i}`];
  const children = Array.from({ length: n }, (_, i) =>
    fork(script, args(i), { execArgv: ["--import", "tsx"] }),
  );
  const ready = children.map(
    (child) => new Promise<void>((resolve) => child.once("message", () => resolve())),
  );
  const exited = children.map(
    (child) =>
      new Promise<string[]>((resolve, reject) => {
        child.on("message", (m) => {
          if (typeof m === "object" && m !== null && "results" in m) resolve(m.results as string[]);
        });
        child.once("exit", (code) => reject(new Error(`contender exited with ${code}`)));
      }),
  );
  await Promise.all(ready);
  for (const child of children) child.send("go");
  return (await Promise.all(exited)).flat();
}

describe.each(storeKinds)("concurrent transitions (%s)", (kind) => {
  const tmp = useTempStore(kind);

  it("lets exactly one of 50 concurrent claims from two store instances on one database win", async () => {
    const a = await tmp.open();
    const b = await tmp.open(); // a second handler, or the process after a restart
    await a.approvals.create(newRequest({ rule: oneApprover }));
    await b.approvals.approve("apr_1", "U0BOB", 1);
    const claims = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 ? a : b).approvals.claimForExecution("apr_1", 2 + i, "proc-a"),
      ),
    );
    const winners = claims.filter((c) => c !== undefined);
    expect(winners).toHaveLength(1);
    expect(winners[0]?.status).toBe("executing");
    expect(await a.approvals.get("apr_1")).toMatchObject({
      status: "executing",
      updatedAt: winners[0]?.updatedAt,
    });
  });

  it("four survivor processes taking over a dead one's 20 requests at once each get their own", async () => {
    const store = await tmp.open();
    for (let i = 0; i < 20; i++) {
      const id = `apr_t${i}`;
      await store.approvals.create(newRequest({ id, correlationId: `corr-${id}`, rule: oneApprover }));
      await store.approvals.approve(id, "U0BOB", 1);
      await store.approvals.claimForExecution(id, 2, "proc-dead");
    }
    const taken = (await race(tmp, 4, "takeover", 3))
      .flatMap((ids) => ids.split(","))
      .filter((id) => id !== "");
    expect(new Set(taken).size).toBe(taken.length);
    expect(taken).toHaveLength(20);
    const owners = new Set((await store.approvals.listInStatus("executing", 50)).map((r) => r.owner));
    expect([...owners].every((owner) => owner?.startsWith("U0P"))).toBe(true);
  }, 30_000);

  it("counts concurrent approvals from two store instances once each, and completes once", async () => {
    const a = await tmp.open();
    const b = await tmp.open();
    await a.approvals.create(newRequest({ rule: { ...oneApprover, required: 5 } }));
    // 40 clicks by 8 people: every click appears 5 times, spread over both instances.
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).approvals.approve("apr_1", `U0${i % 8}`, 1 + i)),
    );
    const completed = results.filter((r) => r.kind === "recorded" && r.complete);
    expect(completed).toHaveLength(1);
    expect(results.filter((r) => r.kind === "recorded")).toHaveLength(5);
    const request = await b.approvals.get("apr_1");
    expect(request?.status).toBe("approved");
    expect(new Set(request?.approvals.map((v) => v.userId)).size).toBe(5);
  });

  it("lets exactly one of 4 processes × 25 claims win", { timeout: 60_000 }, async () => {
    const store = await tmp.open();
    await store.approvals.create(newRequest({ rule: oneApprover }));
    await store.approvals.approve("apr_1", "U0BOB", 1);
    const results = await race(tmp, 4, "claim", 25);
    expect(results).toHaveLength(100);
    expect(results.filter((r) => r === "won")).toHaveLength(1);
    expect((await store.approvals.get("apr_1"))?.status).toBe("executing");
  });

  it("completes a 3-of-M request once when 4 processes approve at once", { timeout: 60_000 }, async () => {
    const store = await tmp.open();
    await store.approvals.create(newRequest({ rule: { ...oneApprover, required: 3 } }));
    // Each process clicks 9 times as 3 people of its own: 12 distinct approvers, 3 needed.
    const results = await race(tmp, 4, "approve", 9);
    expect(results.filter((r) => r === "completed")).toHaveLength(1);
    expect(results.filter((r) => r === "recorded")).toHaveLength(2);
    const request = await store.approvals.get("apr_1");
    expect(request?.status).toBe("approved");
    expect(request?.approvals).toHaveLength(3);
    expect(request?.approvals.map((a) => a.userId)).toContain(request?.decidedBy);
  });

  it("records a follow-up's next state once when 20 polls from two store instances race", async () => {
    const a = await tmp.open();
    const b = await tmp.open();
    await a.followUps.create({
      id: "fu_1",
      correlationId: "corr-1",
      operationId: "task:deploy",
      title: "task:deploy",
      poll: { operationId: "task:state", args: { id: "task-1" } },
      prefill: {},
      requesterId: "U0ALICE",
      channelId: "C0OPS",
      backend: "deploy",
      startedAt: 1,
      nextPollAt: 2,
      timeoutAt: 1_000,
    });
    // Every poll saw seq 0 and a different state: one records transition 1, the others are stale.
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).followUps.transition(
          "fu_1",
          { expectedSeq: 0, state: `s${i}`, nextPollAt: 50 },
          10 + i,
        ),
      ),
    );
    const recorded = results.filter((r) => r !== undefined);
    expect(recorded).toHaveLength(1);
    expect(await b.followUps.transitions("fu_1")).toEqual([recorded[0]?.transition]);
    expect(await b.followUps.get("fu_1")).toMatchObject({ seq: 1, state: recorded[0]?.transition.state });
  });
});
