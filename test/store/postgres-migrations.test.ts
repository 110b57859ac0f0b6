import pg from "pg";
import { describe, expect, it } from "vitest";
import {
  MIGRATIONS,
  openPostgresStore,
  openStore,
  POSTGRES_MIGRATIONS,
  SchemaTooNewError,
} from "../../src/store/index.js";
import { newRequest, onSchema, T0, TEST_DATABASE_URL, useTempPostgres } from "./helpers.js";

const versionsOf = (migrations: readonly { version: number; name: string }[]) =>
  migrations.map((m) => ({ version: m.version, name: m.name }));

describe("opening the PostgreSQL store", () => {
  const tmp = useTempPostgres();
  const other = useTempPostgres();
  const versions = () => onSchema(tmp.schema, "SELECT version, name FROM schema_migrations ORDER BY version");

  it("keeps its migrations in step with SQLite's: the same versions, with the same names", () => {
    expect(versionsOf(POSTGRES_MIGRATIONS)).toEqual(versionsOf(MIGRATIONS));
  });

  it("creates its schema and migrates it to the last version", async () => {
    await (await tmp.open()).close();
    expect(await versions()).toEqual(versionsOf(POSTGRES_MIGRATIONS));
    const tables = await onSchema(
      "public",
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name",
      [tmp.schema],
    );
    expect(tables.map((t) => (t as { table_name: string }).table_name)).toEqual([
      "approval_requests",
      "approval_votes",
      "audit_log",
      "followup_poll_budget",
      "followup_transitions",
      "followups",
      "intake",
      "locks",
      "processes",
      "schema_migrations",
      "seen_requests",
      "service_state",
      "slack_pacing",
      "subscriptions",
    ]);
  });

  it("reopens a schema with its data and without migrating again", async () => {
    const first = await tmp.open();
    await first.approvals.create(newRequest());
    await first.close();
    const again = await tmp.open();
    expect(await again.approvals.get("apr_1")).toMatchObject({ status: "pending", args: newRequest().args });
    expect(await versions()).toHaveLength(POSTGRES_MIGRATIONS.length);
  });

  it("migrates once when several stores open one fresh schema at the same moment", async () => {
    // Replicas starting together: each creates the schema and runs the migrations, under one lock.
    const stores = await Promise.all(Array.from({ length: 4 }, () => tmp.open()));
    expect(stores.every((s) => s.kind === "postgres")).toBe(true);
    expect(await versions()).toEqual(versionsOf(POSTGRES_MIGRATIONS));
  });

  it("refuses a database written by a newer opsbot, naming both versions", async () => {
    await (await tmp.open()).close();
    await onSchema(
      tmp.schema,
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)",
    );
    const opening = tmp.open();
    await expect(opening).rejects.toThrow(SchemaTooNewError);
    await expect(opening).rejects.toThrow(new RegExp(`version 999.*\\(${POSTGRES_MIGRATIONS.length}\\)`));
  });

  it("applies only the migrations a database lacks, each once", async () => {
    await (await tmp.open()).close();
    const extra = [
      ...POSTGRES_MIGRATIONS,
      { version: POSTGRES_MIGRATIONS.length + 1, name: "extra", up: "CREATE TABLE extra (x integer)" },
    ];
    await (await tmp.open({ migrations: extra })).close();
    await (await tmp.open({ migrations: extra })).close();
    expect(await versions()).toHaveLength(extra.length);
  });

  it("rolls a failing migration back whole, and opens nothing", async () => {
    await (await tmp.open()).close();
    const broken = [
      ...POSTGRES_MIGRATIONS,
      {
        version: POSTGRES_MIGRATIONS.length + 1,
        name: "broken",
        up: "CREATE TABLE half (x integer); CREATE TABLE oops (",
      },
    ];
    await expect(tmp.open({ migrations: broken })).rejects.toThrow(/syntax/);
    expect(await onSchema(tmp.schema, "SELECT to_regclass('half') AS half")).toEqual([{ half: null }]);
    expect(await versions()).toHaveLength(POSTGRES_MIGRATIONS.length);
  });

  it("refuses a migration list that is not numbered 1, 2, 3…", async () => {
    const gap = [...POSTGRES_MIGRATIONS, { version: POSTGRES_MIGRATIONS.length + 2, name: "gap", up: "" }];
    await expect(tmp.open({ migrations: gap })).rejects.toThrow(/expected/);
  });

  it("keeps each store to its own schema", async () => {
    const a = await tmp.open();
    const b = await other.open();
    await a.locks.lock({
      target: { kind: "namespace", name: "prod" },
      reason: "a",
      lockedBy: "U0",
      lockedAt: T0,
    });
    expect(await b.locks.list(T0)).toEqual([]);
    expect(await a.locks.list(T0)).toHaveLength(1);
  });

  it("reads epoch milliseconds as numbers, and fails on a bigint a number cannot hold exactly", async () => {
    const store = await tmp.open();
    const target = { kind: "namespace", name: "prod" } as const;
    await store.locks.lock({ target, reason: "r", lockedBy: "U0", lockedAt: T0, until: T0 + 1 });
    expect((await store.locks.active(target, T0))?.until).toBe(T0 + 1);
    await onSchema(tmp.schema, "UPDATE locks SET until = 9007199254740993");
    await expect(store.locks.active(target, T0)).rejects.toThrow(/9007199254740993/);
  });

  it("works on a pool it is given, which it leaves open", async () => {
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
    try {
      // A connection made before the store, without its search_path, which the store then checks out.
      await pool.query("SELECT 1");
      const store = await openPostgresStore({ pool, schema: tmp.schema });
      await store.approvals.create(newRequest());
      expect(await store.approvals.countPending()).toBe(1);
      await store.close();
      expect((await pool.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it("is what openStore opens for a postgres:// or postgresql:// URL, and SQLite otherwise", async () => {
    const viaUrl = await openStore(TEST_DATABASE_URL, { schema: tmp.schema });
    expect(viaUrl.kind).toBe("postgres");
    await viaUrl.close();
    await viaUrl.close(); // closing twice is harmless
    const longForm = await openStore(TEST_DATABASE_URL.replace(/^postgres:/, "postgresql:"), {
      schema: tmp.schema,
    });
    expect(longForm.kind).toBe("postgres");
    await longForm.close();
    const file = await openStore(":memory:");
    expect(file.kind).toBe("sqlite");
    await file.close();
  });
});
