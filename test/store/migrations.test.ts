import { rmSync } from "node:fs";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { MIGRATIONS, openSqliteStore, SchemaTooNewError } from "../../src/store/index.js";
import { migrate } from "../../src/store/sqlite/migrations.js";
import { newRequest, useTempSqlite } from "./helpers.js";

const versions = (path: string) => {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT version, name FROM schema_migrations ORDER BY version").all();
  } finally {
    db.close();
  }
};

describe("opening the SQLite store", () => {
  const tmp = useTempSqlite();

  it("creates the folder and the schema in a new file, in WAL mode", async () => {
    await tmp.open().close();
    expect(versions(tmp.path)).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    const db = new Database(tmp.path, { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  it("reopens an existing file with its data and without migrating again", async () => {
    const first = tmp.open();
    await first.approvals.create(newRequest());
    await first.audit.append({ at: 1, correlationId: "c", kind: "command", userId: "U0A", outcome: "ok" });
    await first.close();
    const again = tmp.open();
    expect(await again.approvals.get("apr_1")).toMatchObject({ status: "pending", args: newRequest().args });
    expect(await again.audit.query({ limit: 5 })).toHaveLength(1);
    expect(versions(tmp.path)).toHaveLength(MIGRATIONS.length);
  });

  it("refuses a database written by a newer opsbot, naming both versions", async () => {
    await tmp.open().close();
    const db = new Database(tmp.path);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)").run();
    db.close();
    expect(() => openSqliteStore({ path: tmp.path })).toThrow(SchemaTooNewError);
    expect(() => openSqliteStore({ path: tmp.path })).toThrow(
      new RegExp(`version 999.*\\(${MIGRATIONS.length}\\)`),
    );
  });

  it("moves a follow-up's settle states and cancel button out of its prefill (version 5)", async () => {
    await tmp.open().close();
    rmSync(tmp.path);
    const db = new Database(tmp.path);
    migrate(db, MIGRATIONS.slice(0, 4));
    const cancel = { operationId: "pipeline:kill", args: { id: "p1" }, label: "Kill" };
    db.prepare(
      `INSERT INTO followups (id, correlation_id, operation_id, title, poll, prefill, requester_id, channel_id,
        backend, status, started_at, next_poll_at, timeout_at, updated_at)
       VALUES ('fu_1', 'c', 'pipeline:run', 't', '{"operationId":"pipeline:state","args":{}}', ?, 'U1', 'C1',
        'deploy', 'active', 1, 1, 1, 1)`,
    ).run(
      JSON.stringify({ repository: "r", "~settleOn": "running,ready", "~cancel": JSON.stringify(cancel) }),
    );
    db.close();
    const store = tmp.open();
    expect(versions(tmp.path)).toHaveLength(MIGRATIONS.length);
    expect(await store.followUps.get("fu_1")).toMatchObject({
      prefill: { repository: "r" },
      settleOn: ["running", "ready"],
      cancel,
    });
  });

  it("applies only the migrations a database lacks, each once", async () => {
    await tmp.open().close();
    const extra = [
      ...MIGRATIONS,
      { version: MIGRATIONS.length + 1, name: "extra", up: "CREATE TABLE extra (x)" },
    ];
    await tmp.open({ migrations: extra }).close();
    await tmp.open({ migrations: extra }).close();
    expect(versions(tmp.path)).toHaveLength(extra.length);
  });

  it("rolls a failing migration back whole, and opens nothing", async () => {
    await tmp.open().close();
    const broken = [
      ...MIGRATIONS,
      { version: MIGRATIONS.length + 1, name: "broken", up: "CREATE TABLE half (x); CREATE TABLE oops (" },
    ];
    expect(() => openSqliteStore({ path: tmp.path, migrations: broken })).toThrow();
    const db = new Database(tmp.path, { readonly: true });
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").all()).toEqual([]);
    db.close();
    expect(versions(tmp.path)).toHaveLength(MIGRATIONS.length);
  });

  it("refuses a migration list that is not numbered 1, 2, 3…", () => {
    const gap = [...MIGRATIONS, { version: MIGRATIONS.length + 2, name: "gap", up: "SELECT 1" }];
    expect(() => openSqliteStore({ path: ":memory:", migrations: gap })).toThrow(/expected/);
  });

  it("works in memory, for tests", async () => {
    const store = openSqliteStore({ path: ":memory:" });
    await store.approvals.create(newRequest());
    expect(await store.approvals.listPending(5)).toHaveLength(1);
    await store.close();
    await store.close(); // closing twice is harmless
  });

  it("waits busy_timeout for another connection's write lock, then gives up", async () => {
    const store = tmp.open({ busyTimeoutMs: 100 });
    const other = new Database(tmp.path);
    other.exec("BEGIN IMMEDIATE");
    const started = performance.now();
    await expect(
      store.audit.append({ at: 1, correlationId: "c", kind: "command", userId: "U0A", outcome: "ok" }),
    ).rejects.toThrow(/locked|busy/i);
    expect(performance.now() - started).toBeGreaterThanOrEqual(80);
    other.exec("ROLLBACK");
    other.close();
  });
});
