import { describe, expect, it } from "vitest";
import { MINUTE, newRequest, oneApprover, storeKinds, T0, useTempStore } from "./helpers.js";

describe.each(storeKinds)("approval requests (%s)", (kind) => {
  const tmp = useTempStore(kind);

  it("stores a new request as pending, every field read back as written", async () => {
    const store = await tmp.open();
    const created = await store.approvals.create(newRequest({ force: true, target: { allocation: "a-1" } }));
    const { force: _, ...asked } = newRequest({ target: { allocation: "a-1" } });
    expect(created).toEqual({ ...asked, force: true, status: "pending", approvals: [], updatedAt: T0 });
    expect(await store.approvals.get("apr_1")).toEqual(created);
    const { requesterIdentity: __, ...withoutIdentity } = newRequest({ id: "apr_2" });
    const plain = await store.approvals.create(withoutIdentity);
    expect(plain.force).toBe(false);
    expect("requesterIdentity" in plain).toBe(false);
    expect("message" in plain || "outcome" in plain || "decidedBy" in plain).toBe(false);
    const sparse = await store.approvals.create(
      newRequest({
        id: "apr_3",
        args: { name: "x", tag: undefined },
        rawArgs: { name: "x", tag: undefined },
      }),
    );
    expect(sparse.args).toEqual({ name: "x" });
    expect(Object.keys(sparse.rawArgs)).toEqual(["name"]);
  });

  it("refuses a second request with the same id, and a rule needing no approver", async () => {
    const store = await tmp.open();
    await store.approvals.create(newRequest());
    await expect(store.approvals.create(newRequest())).rejects.toThrow(/unique/i);
    await expect(
      store.approvals.create(newRequest({ id: "apr_0", rule: { ...oneApprover, required: 0 } })),
    ).rejects.toThrow();
    expect(await store.approvals.get("apr_0")).toBeUndefined();
  });

  it("needs N distinct approvers: a repeated approver counts once", async () => {
    const store = await tmp.open();
    await store.approvals.create(newRequest({ rule: { ...oneApprover, required: 3 } }));
    expect(await store.approvals.approve("apr_1", "U0BOB", T0 + 1)).toMatchObject({
      kind: "recorded",
      complete: false,
      request: { status: "pending", approvals: [{ userId: "U0BOB", at: T0 + 1 }] },
    });
    const again = await store.approvals.approve("apr_1", "U0BOB", T0 + 2);
    expect(again).toMatchObject({ kind: "already-approved-by-you", request: { status: "pending" } });
    expect(await store.approvals.approve("apr_1", "U0CAROL", T0 + 3)).toMatchObject({
      kind: "recorded",
      complete: false,
    });
    const last = await store.approvals.approve("apr_1", "U0DAVE", T0 + 4);
    expect(last).toMatchObject({
      kind: "recorded",
      complete: true,
      request: { status: "approved", decidedBy: "U0DAVE", updatedAt: T0 + 4 },
    });
    if (last.kind !== "recorded") throw new Error("unreachable");
    expect(last.request.approvals).toEqual([
      { userId: "U0BOB", at: T0 + 1 },
      { userId: "U0CAROL", at: T0 + 3 },
      { userId: "U0DAVE", at: T0 + 4 },
    ]);
    expect(await store.approvals.approve("apr_1", "U0ERIN", T0 + 5)).toMatchObject({
      kind: "not-pending",
      request: { status: "approved" },
    });
    expect((await store.approvals.get("apr_1"))?.approvals).toHaveLength(3);
  });

  it("ends at the first denial, keeping the approvals given before it", async () => {
    const store = await tmp.open();
    await store.approvals.create(newRequest());
    await store.approvals.approve("apr_1", "U0BOB", T0 + 1);
    expect(await store.approvals.deny("apr_1", "U0CAROL", T0 + 2)).toMatchObject({
      kind: "denied",
      request: {
        status: "denied",
        decidedBy: "U0CAROL",
        approvals: [{ userId: "U0BOB" }],
        updatedAt: T0 + 2,
      },
    });
    expect(await store.approvals.approve("apr_1", "U0DAVE", T0 + 3)).toMatchObject({ kind: "not-pending" });
    expect(await store.approvals.deny("apr_1", "U0DAVE", T0 + 3)).toMatchObject({ kind: "not-pending" });
    expect(await store.approvals.claimForExecution("apr_1", T0 + 4, "proc-a")).toBeUndefined();
  });

  it("expires at expiresAt: on a late approval or denial, and in the sweep", async () => {
    const store = await tmp.open();
    const expiresAt = T0 + 30 * MINUTE;
    for (const id of ["apr_1", "apr_2", "apr_3", "apr_4"]) await store.approvals.create(newRequest({ id }));
    await store.approvals.create(newRequest({ id: "apr_later", expiresAt: expiresAt + 1 }));
    await store.approvals.create(newRequest({ id: "apr_done", rule: oneApprover }));
    await store.approvals.approve("apr_done", "U0BOB", T0 + 1);

    expect(await store.approvals.approve("apr_1", "U0BOB", expiresAt - 1)).toMatchObject({
      kind: "recorded",
    });
    expect(await store.approvals.approve("apr_1", "U0CAROL", expiresAt)).toMatchObject({
      kind: "expired",
      request: { status: "expired", updatedAt: expiresAt },
    });
    expect(await store.approvals.deny("apr_2", "U0BOB", expiresAt)).toMatchObject({
      kind: "expired",
      request: { status: "expired" },
    });
    const swept = await store.approvals.expireDue(expiresAt);
    expect(swept.map((r) => [r.id, r.status])).toEqual([
      ["apr_3", "expired"],
      ["apr_4", "expired"],
    ]);
    expect(await store.approvals.expireDue(expiresAt)).toEqual([]);
    expect((await store.approvals.get("apr_later"))?.status).toBe("pending");
    expect((await store.approvals.get("apr_done"))?.status).toBe("approved");
  });

  it("keeps the rule's identity, and ends a pending request with a reason only while it is pending", async () => {
    const store = await tmp.open();
    const rule = {
      index: 2,
      name: "deletes",
      required: 2,
      allowSelfApproval: false,
      id: "deletes",
      named: true,
      digest: "abc123",
    };
    await store.approvals.create(newRequest({ id: "apr_1", rule }));
    await store.approvals.create(newRequest({ id: "apr_2", rule: oneApprover }));
    expect((await store.approvals.get("apr_1"))?.rule).toEqual(rule);
    await store.approvals.approve("apr_2", "U0BOB", T0 + 1);

    const ended = await store.approvals.endPending("apr_1", "its rule is gone", T0 + 5);
    expect(ended).toMatchObject({
      status: "expired",
      updatedAt: T0 + 5,
      outcome: { ok: false, summary: "its rule is gone" },
    });
    expect(await store.approvals.get("apr_1")).toEqual(ended);
    expect(await store.approvals.endPending("apr_1", "again", T0 + 6)).toBeUndefined();
    expect(await store.approvals.endPending("apr_2", "approved already", T0 + 6)).toBeUndefined();
    expect((await store.approvals.get("apr_2"))?.status).toBe("approved");
    expect(await store.approvals.endPending("apr_nope", "unknown", T0 + 6)).toBeUndefined();
  });

  it("claims an approved request once, then finishes it once", async () => {
    const store = await tmp.open();
    await store.approvals.create(newRequest({ rule: oneApprover }));
    expect(await store.approvals.claimForExecution("apr_1", T0 + 1, "proc-a")).toBeUndefined(); // still pending
    await store.approvals.approve("apr_1", "U0BOB", T0 + 2);
    expect(await store.approvals.claimForExecution("apr_1", T0 + 3, "proc-a")).toMatchObject({
      status: "executing",
      updatedAt: T0 + 3,
      decidedBy: "U0BOB",
    });
    expect(await store.approvals.claimForExecution("apr_1", T0 + 4, "proc-a")).toBeUndefined();
    expect(await store.approvals.claimForExecution("nope", T0 + 4, "proc-a")).toBeUndefined();
    expect(
      await store.approvals.finish("apr_1", { ok: true, summary: "deleted", durationMs: 12 }, T0 + 5),
    ).toMatchObject({
      status: "succeeded",
      outcome: { ok: true, summary: "deleted", durationMs: 12 },
      updatedAt: T0 + 5,
    });
    await expect(store.approvals.finish("apr_1", { ok: false, summary: "again" }, T0 + 6)).rejects.toThrow(
      /not executing/,
    );
  });

  it("records a failed execution", async () => {
    const store = await tmp.open();
    await store.approvals.create(newRequest({ rule: oneApprover }));
    await store.approvals.approve("apr_1", "U0BOB", T0 + 1);
    await store.approvals.claimForExecution("apr_1", T0 + 2, "proc-a");
    const failed = await store.approvals.finish("apr_1", { ok: false, summary: "HTTP 502" }, T0 + 3);
    expect(failed.status).toBe("failed");
    expect(failed.outcome).toEqual({ ok: false, summary: "HTTP 502" });
  });

  it("keeps a pending request, its votes and its message across a restart", async () => {
    const before = await tmp.open();
    await before.approvals.create(newRequest());
    await before.approvals.approve("apr_1", "U0BOB", T0 + 1);
    await before.approvals.setMessage("apr_1", { channelId: "C0OPS", ts: "1700000000.000100" });
    await before.close();
    const after = await tmp.open();
    expect(await after.approvals.approve("apr_1", "U0BOB", T0 + 2)).toMatchObject({
      kind: "already-approved-by-you",
    });
    expect(await after.approvals.approve("apr_1", "U0CAROL", T0 + 3)).toMatchObject({
      kind: "recorded",
      complete: true,
      request: { status: "approved", message: { channelId: "C0OPS", ts: "1700000000.000100" } },
    });
  });

  it("lists pending requests newest first, and a requester's requests, within the limit", async () => {
    const store = await tmp.open();
    for (let i = 0; i < 4; i++) {
      await store.approvals.create(
        newRequest({ id: `apr_${i}`, createdAt: T0 + i, requesterId: i === 2 ? "U0BOB" : "U0ALICE" }),
      );
    }
    await store.approvals.deny("apr_3", "U0CAROL", T0 + 10);
    expect((await store.approvals.listPending(10)).map((r) => r.id)).toEqual(["apr_2", "apr_1", "apr_0"]);
    expect((await store.approvals.listPending(2)).map((r) => r.id)).toEqual(["apr_2", "apr_1"]);
    expect(await store.approvals.countPending()).toBe(3);
    expect((await store.approvals.listByRequester("U0ALICE", 10)).map((r) => r.id)).toEqual([
      "apr_3",
      "apr_1",
      "apr_0",
    ]);
    expect((await store.approvals.listByRequester("U0ALICE", 1)).map((r) => r.id)).toEqual(["apr_3"]);
    expect(await store.approvals.listByRequester("U0NOBODY", 10)).toEqual([]);
  });

  it("lists requests approved but never claimed, oldest decision first: what a crash left unrun", async () => {
    const store = await tmp.open();
    for (let i = 0; i < 4; i++)
      await store.approvals.create(newRequest({ id: `apr_${i}`, rule: oneApprover }));
    await store.approvals.approve("apr_2", "U0BOB", T0 + 1);
    await store.approvals.approve("apr_0", "U0BOB", T0 + 2);
    await store.approvals.approve("apr_3", "U0BOB", T0 + 3);
    await store.approvals.claimForExecution("apr_3", T0 + 4, "proc-a");
    expect((await store.approvals.listInStatus("approved", 10)).map((r) => r.id)).toEqual(["apr_2", "apr_0"]);
    expect((await store.approvals.listInStatus("approved", 1)).map((r) => r.id)).toEqual(["apr_2"]);
    await store.approvals.claimForExecution("apr_2", T0 + 5, "proc-a");
    expect((await store.approvals.listInStatus("approved", 10)).map((r) => r.id)).toEqual(["apr_0"]);
    expect((await store.approvals.listInStatus("executing", 10)).map((r) => r.id)).toEqual([
      "apr_3",
      "apr_2",
    ]);
  });

  it("answers not-found for an unknown request", async () => {
    const store = await tmp.open();
    expect(await store.approvals.approve("nope", "U0BOB", T0)).toEqual({ kind: "not-found" });
    expect(await store.approvals.deny("nope", "U0BOB", T0)).toEqual({ kind: "not-found" });
    expect(await store.approvals.get("nope")).toBeUndefined();
    await expect(store.approvals.finish("nope", { ok: true, summary: "" }, T0)).rejects.toThrow(
      /not executing/,
    );
  });

  it("refuses rows that no longer have the shape they were written with", async () => {
    const store = await tmp.open();
    await store.approvals.create(newRequest());
    await store.approvals.create(newRequest({ id: "apr_2" }));
    await tmp.exec("UPDATE approval_requests SET raw_args = '[1]' WHERE id = 'apr_1'");
    await tmp.exec(`UPDATE approval_requests SET rule = '{"index":0,"name":"x"}' WHERE id = 'apr_2'`);
    await expect(store.approvals.get("apr_1")).rejects.toThrow(/expected record/);
    await expect(store.approvals.get("apr_2")).rejects.toThrow(/required/);
    // Only SQLite keeps JSON as text, so only there can a column hold something that is not JSON.
    if (kind === "sqlite") {
      await tmp.exec("UPDATE approval_requests SET raw_args = 'not json' WHERE id = 'apr_1'");
      await expect(store.approvals.get("apr_1")).rejects.toThrow(/not JSON/);
    }
  });
});
