import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterEach, beforeEach } from "vitest";
import {
  type Migration,
  type NewApprovalRequest,
  openPostgresStore,
  openSqliteStore,
  type SqliteStoreOptions,
  type Store,
} from "../../src/store/index.js";

export const T0 = Date.parse("2026-11-23T10:00:00Z");
export const MINUTE = 60_000;

/** Every store suite runs once per database. */
export const storeKinds = ["sqlite", "postgres"] as const;
export type StoreKind = (typeof storeKinds)[number];

/** The PostgreSQL database the tests may create schemas in (.ci/run starts the server). */
export const TEST_DATABASE_URL =
  process.env.OPSBOT_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/**
 * A fresh SQLite file per test, in a folder that does not exist yet (the store creates it), and every
 * store a test opens closed afterwards. Synchronous, as the SQLite store opens.
 */
export function useTempSqlite() {
  const state = { dir: "", path: "" };
  const opened: Store[] = [];
  beforeEach(() => {
    state.dir = mkdtempSync(join(tmpdir(), "opsbot-store-"));
    state.path = join(state.dir, "nested", "opsbot.db");
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    rmSync(state.dir, { recursive: true, force: true });
  });
  return {
    get path() {
      return state.path;
    },
    open(options: Omit<SqliteStoreOptions, "path"> = {}): Store {
      const store = openSqliteStore({ path: state.path, ...options });
      opened.push(store);
      return store;
    },
  };
}

/** Runs `sql` on one connection whose search_path is `schema`, and hands back its rows. */
export async function onSchema(schema: string, sql: string, params: unknown[] = []): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`SET search_path TO ${client.escapeIdentifier(schema)}`);
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/**
 * A fresh PostgreSQL schema per test (`opsbot_test_<random>`, created by the store) so that test files
 * can run in parallel on one database; dropped afterwards, once every store the test opened is closed.
 */
export function useTempPostgres() {
  const state = { schema: "" };
  const opened: Store[] = [];
  beforeEach(() => {
    state.schema = `opsbot_test_${randomBytes(6).toString("hex")}`;
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await onSchema("public", `DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(state.schema)} CASCADE`);
  });
  return {
    get schema() {
      return state.schema;
    },
    async open(options: { migrations?: readonly Migration[] } = {}): Promise<Store> {
      // A small pool: two test files run at once, some with several stores and processes.
      const store = await openPostgresStore({
        url: TEST_DATABASE_URL,
        schema: state.schema,
        maxConnections: 4,
        ...options,
      });
      opened.push(store);
      return store;
    },
  };
}

/** What a store suite needs, whichever the database. */
export interface TempStore {
  readonly kind: StoreKind;
  /** The SQLite file, or the PostgreSQL URL. */
  readonly location: string;
  /** PostgreSQL: the test's schema. */
  readonly schema: string | undefined;
  open(): Promise<Store>;
  /** Runs one statement on the test's database behind the store's back, and hands back its rows. */
  exec(sql: string): Promise<unknown[]>;
}

export function useTempStore(kind: StoreKind): TempStore {
  if (kind === "postgres") {
    const pgTmp = useTempPostgres();
    return {
      kind,
      location: TEST_DATABASE_URL,
      get schema() {
        return pgTmp.schema;
      },
      open: () => pgTmp.open(),
      exec: (sql) => onSchema(pgTmp.schema, sql),
    };
  }
  const sqlite = useTempSqlite();
  return {
    kind,
    get location() {
      return sqlite.path;
    },
    schema: undefined,
    open: async () => sqlite.open(),
    async exec(sql) {
      const db = new Database(sqlite.path);
      try {
        const statement = db.prepare(sql);
        if (statement.reader) return statement.all();
        statement.run();
        return [];
      } finally {
        db.close();
      }
    },
  };
}

export function newRequest(over: Partial<NewApprovalRequest> = {}): NewApprovalRequest {
  return {
    id: "apr_1",
    correlationId: "corr-1",
    operationId: "job:delete",
    args: { namespace: "analytics", name: "nightly", labels: { a: "b" }, replicas: 3 },
    rawArgs: { namespace: "analytics", name: "nightly", label: ["a=b"] },
    target: { namespace: "analytics" },
    fingerprint: "f".repeat(64),
    requesterId: "U0ALICE",
    requesterIdentity: "alice@example.com",
    channelId: "C0OPS",
    rule: { index: 0, name: "deletes", required: 2, allowSelfApproval: false },
    createdAt: T0,
    expiresAt: T0 + 30 * MINUTE,
    ...over,
  };
}

export const oneApprover = { index: 1, name: "one", required: 1, allowSelfApproval: false } as const;
