import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type NewApprovalRequest,
  openSqliteStore,
  SchemaTooNewError,
  type Store,
} from "../../src/store/index.js";
import { MIGRATIONS } from "../../src/store/sqlite/migrations.js";

const T0 = Date.parse("2026-11-23T10:00:00Z");
let dir: string;
let path: string;
const opened: Store[] = [];
const open = () => {
  const store = openSqliteStore({ path });
  opened.push(store);
  return store;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "opsbot-store-"));
  path = join(dir, "nested", "opsbot.db");
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

function request(over: Partial<NewApprovalRequest> = {}): NewApprovalRequest {
  return {
    id: "apr_1",
    correlationId: "corr-1",
    operationId: "job:delete",
    args: { namespace: "analytics", name: "nightly", labels: { a: "b" } },
    rawArgs: { namespace: "analytics", name: "nightly", label: ["a=b"] },
    target: { namespace: "analytics" },
    fingerprint: "f".repeat(64),
    requesterId: "U0ALICE",
    requesterIdentity: "alice@example.com",
    channelId: "C0OPS",
    rule: { index: 0, name: "deletes", required: 2, allowSelfApproval: false },
    force: false,
    createdAt: T0,
    expiresAt: T0 + 30 * 60_000,
    ...over,
  };
}

describe("migrations", () => {
  it("creates the schema in a new file, and a reopened file keeps its data", async () => {
    const first = open();
    await first.approvals.create(request());
    await first.close();
    const again = open();
    expect((await again.approvals.get("apr_1"))?.rawArgs).toEqual({
      namespace: "analytics",
      name: "nightly",
      label: ["a=b"],
    });
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT version FROM schema_migrations").all()).toEqual([
      { version: MIGRATIONS.length },
    ]);
    db.close();
  });

  it("refuses a database written by a newer opsbot", async () => {
    await open().close();
    const db = new Database(path);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)").run();
    db.close();
    expect(() => openSqliteStore({ path })).toThrow(SchemaTooNewError);
  });

  it("applies only the migrations a database lacks, each once", async () => {
    await open().close();
    const extra = [
      ...MIGRATIONS,
      { version: MIGRATIONS.length + 1, name: "extra", up: "CREATE TABLE extra (x INTEGER)" },
    ];
    const store = openSqliteStore({ path, migrations: extra });
    opened.push(store);
    await store.close();
    const again = openSqliteStore({ path, migrations: extra });
    opened.push(again);
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT COUNT(*) AS n FROM schema_migrations").get()).toEqual({ n: extra.length });
    db.close();
  });
});

describe("approvals", () => {
  it("needs N distinct approvers: a repeated approver does not count twice", async () => {
    const store = open();
    await store.approvals.create(request());
    const first = await store.approvals.approve("apr_1", "U0BOB", T0 + 1);
    expect(first).toMatchObject({ kind: "recorded", complete: false, request: { status: "pending" } });
    expect(await store.approvals.approve("apr_1", "U0BOB", T0 + 2)).toMatchObject({
      kind: "already-approved-by-you",
    });
    const second = await store.approvals.approve("apr_1", "U0CAROL", T0 + 3);
    expect(second).toMatchObject({
      kind: "recorded",
      complete: true,
      request: { status: "approved", decidedBy: "U0CAROL" },
    });
    if (second.kind === "recorded")
      expect(second.request.approvals.map((a) => a.userId)).toEqual(["U0BOB", "U0CAROL"]);
    expect(await store.approvals.approve("apr_1", "U0DAVE", T0 + 4)).toMatchObject({ kind: "not-pending" });
  });

  it("ends at the first denial", async () => {
    const store = open();
    await store.approvals.create(request());
    await store.approvals.approve("apr_1", "U0BOB", T0 + 1);
    expect(await store.approvals.deny("apr_1", "U0CAROL", T0 + 2)).toMatchObject({
      kind: "denied",
      request: { status: "denied", decidedBy: "U0CAROL" },
    });
    expect(await store.approvals.approve("apr_1", "U0DAVE", T0 + 3)).toMatchObject({ kind: "not-pending" });
    expect(await store.approvals.claimForExecution("apr_1", T0 + 4)).toBeUndefined();
  });

  it("expires: on a late click, and in the sweep", async () => {
    const store = open();
    await store.approvals.create(request());
    await store.approvals.create(request({ id: "apr_2" }));
    const late = T0 + 31 * 60_000;
    expect(await store.approvals.approve("apr_1", "U0BOB", late)).toMatchObject({
      kind: "expired",
      request: { status: "expired" },
    });
    expect((await store.approvals.expireDue(late)).map((r) => r.id)).toEqual(["apr_2"]);
    expect(await store.approvals.expireDue(late)).toEqual([]);
    expect(await store.approvals.deny("apr_2", "U0BOB", late)).toMatchObject({ kind: "not-pending" });
  });

  it("lets exactly one of 50 concurrent claims from two connections execute", async () => {
    const a = open();
    const b = open();
    await a.approvals.create(
      request({ rule: { index: 0, name: "one", required: 1, allowSelfApproval: false } }),
    );
    const approvals = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 ? a : b).approvals.approve("apr_1", `U0APPROVER${i}`, T0 + 1),
      ),
    );
    expect(approvals.filter((r) => r.kind === "recorded" && r.complete)).toHaveLength(1);
    const claims = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).approvals.claimForExecution("apr_1", T0 + 2)),
    );
    expect(claims.filter((c) => c !== undefined)).toHaveLength(1);
    const done = await b.approvals.finish("apr_1", { ok: true, summary: "deleted", durationMs: 12 }, T0 + 3);
    expect(done).toMatchObject({
      status: "succeeded",
      outcome: { ok: true, summary: "deleted", durationMs: 12 },
    });
    await expect(a.approvals.finish("apr_1", { ok: false, summary: "again" }, T0 + 4)).rejects.toThrow(
      /not executing/,
    );
  });

  it("keeps a pending request approvable across a restart, with its message", async () => {
    const before = open();
    await before.approvals.create(
      request({ rule: { index: 0, name: "one", required: 1, allowSelfApproval: false } }),
    );
    await before.approvals.setMessage("apr_1", { channelId: "C0OPS", ts: "1700000000.000100" });
    await before.close();
    const after = open();
    expect(await after.approvals.listPending(10)).toHaveLength(1);
    const result = await after.approvals.approve("apr_1", "U0BOB", T0 + 5);
    expect(result).toMatchObject({
      kind: "recorded",
      complete: true,
      request: { message: { ts: "1700000000.000100" } },
    });
    expect(await after.approvals.listByRequester("U0ALICE", 5)).toHaveLength(1);
  });

  it("answers not-found for an unknown request", async () => {
    const store = open();
    expect(await store.approvals.approve("nope", "U0BOB", T0)).toEqual({ kind: "not-found" });
    expect(await store.approvals.deny("nope", "U0BOB", T0)).toEqual({ kind: "not-found" });
    expect(await store.approvals.get("nope")).toBeUndefined();
  });

  it("refuses a row that no longer has the shape it was written with", async () => {
    const store = open();
    await store.approvals.create(request());
    const db = new Database(path);
    db.prepare("UPDATE approval_requests SET raw_args = 'not json' WHERE id = 'apr_1'").run();
    db.close();
    await expect(store.approvals.get("apr_1")).rejects.toThrow();
  });
});

describe("audit log", () => {
  it("filters by user, operation pattern and time, newest first, within the limit", async () => {
    const store = open();
    const entry = (at: number, userId: string, operationId: string) =>
      store.audit.append({
        at,
        correlationId: `c${at}`,
        kind: "execution",
        operationId,
        userId,
        outcome: "ok",
        args: { at },
      });
    await entry(T0, "U0ALICE", "task:deploy");
    await entry(T0 + 1, "U0BOB", "job:delete");
    await entry(T0 + 2, "U0ALICE", "task:list");
    await entry(T0 + 3, "U0ALICE", "job:delete");
    expect((await store.audit.query({ limit: 10 })).map((e) => e.at)).toEqual([T0 + 3, T0 + 2, T0 + 1, T0]);
    expect((await store.audit.query({ userId: "U0ALICE", limit: 10 })).map((e) => e.operationId)).toEqual([
      "job:delete",
      "task:list",
      "task:deploy",
    ]);
    expect((await store.audit.query({ operationId: "*:delete", limit: 10 })).map((e) => e.userId)).toEqual([
      "U0ALICE",
      "U0BOB",
    ]);
    expect(
      (await store.audit.query({ operationId: "task:*", since: T0 + 1, limit: 10 })).map((e) => e.at),
    ).toEqual([T0 + 2]);
    expect(await store.audit.query({ limit: 1 })).toEqual([
      expect.objectContaining({ at: T0 + 3, correlationId: `c${T0 + 3}`, args: { at: T0 + 3 } }),
    ]);
    await expect(store.audit.query({ operationId: "task:[ab]", limit: 1 })).rejects.toThrow(RangeError);
  });
});

describe("locks", () => {
  it("locks, replaces, lists, expires and unlocks", async () => {
    const store = open();
    const target = { kind: "namespace" as const, name: "prod-eu" };
    await store.locks.lock({ target, reason: "freeze", lockedBy: "U0SRE", lockedAt: T0, until: T0 + 60_000 });
    expect(await store.locks.active(target, T0 + 1)).toMatchObject({ reason: "freeze", until: T0 + 60_000 });
    await store.locks.lock({ target, reason: "longer freeze", lockedBy: "U0SRE2", lockedAt: T0 + 2 });
    expect(await store.locks.active(target, T0 + 120_000)).toMatchObject({
      reason: "longer freeze",
      lockedBy: "U0SRE2",
    });
    await store.locks.lock({
      target: { kind: "allocation", name: "a-1" },
      reason: "x",
      lockedBy: "U0SRE",
      lockedAt: T0,
      until: T0 + 10,
    });
    expect((await store.locks.list(T0 + 20)).map((l) => l.target.name)).toEqual(["prod-eu"]);
    expect(await store.locks.unlock(target)).toMatchObject({ reason: "longer freeze" });
    expect(await store.locks.unlock(target)).toBeUndefined();
    expect(await store.locks.active(target, T0)).toBeUndefined();
  });
});
