import pg from "pg";
import type { Migration } from "../migration.js";
import type { Store } from "../types.js";
import { postgresApprovals } from "./approvals.js";
import { postgresAudit } from "./audit.js";
import { Db } from "./db.js";
import { postgresFollowUps } from "./followups.js";
import { postgresIntake } from "./intake.js";
import { postgresLocks } from "./locks.js";
import { migratePostgres, POSTGRES_MIGRATIONS } from "./migrations.js";
import { postgresPacing } from "./pacing.js";
import { postgresProcesses } from "./processes.js";
import { postgresRequestLedger } from "./requests.js";
import { postgresRetention } from "./retention.js";
import { postgresState } from "./state.js";
import { postgresSubscriptions } from "./subscriptions.js";

/** The default bound on getting a PostgreSQL connection (see `connectTimeoutMs`). */
export const POSTGRES_CONNECT_TIMEOUT_MS = 10_000;

interface CommonOptions {
  /**
   * The schema the store keeps its tables in, created if missing; every connection the store uses gets
   * it as its search_path. Left out, the connections' own search_path decides (usually `public`).
   */
  readonly schema?: string;
  /** The schema to bring the database to; only tests of the migration runner pass their own. */
  readonly migrations?: readonly Migration[];
}

export type PostgresStoreOptions = CommonOptions &
  (
    | {
        /** `postgres://user@host:5432/database`: the store makes its own pool, and ends it on close. */
        readonly url: string;
        /** Connections in that pool (default 10). */
        readonly maxConnections?: number;
        /**
         * How long getting a connection may take, the TCP connect and PostgreSQL's greeting included,
         * or waiting for a free one in a full pool (default 10 s). Without a bound, a server that does
         * not answer (a firewall dropping packets) hangs start-up, and every statement after it.
         */
        readonly connectTimeoutMs?: number;
        /**
         * An idle connection that breaks (the server restarted, a proxy cut it) is dropped from the pool
         * and reported here; the next statement opens a new one. The default ignores it, where pg's
         * default would end the process.
         */
        readonly onIdleError?: (error: Error) => void;
      }
    | {
        /**
         * A pool made by the caller, who ends it. It should serve this store alone: the store sets the
         * search_path of the connections it checks out.
         */
        readonly pool: pg.Pool;
      }
  );

/**
 * Opens the store on PostgreSQL and brings its schema up to date. Several replicas may open one
 * database at once: the migrations take turns under an advisory lock.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const schema = options.schema;
  if (schema !== undefined && (schema === "" || schema.includes("\0")))
    throw new RangeError("a PostgreSQL schema name must be non-empty text");
  const owned = "url" in options;
  const pool = owned
    ? new pg.Pool({
        connectionString: options.url,
        max: options.maxConnections ?? 10,
        connectionTimeoutMillis: options.connectTimeoutMs ?? POSTGRES_CONNECT_TIMEOUT_MS,
      })
    : options.pool;
  if (owned) pool.on("error", options.onIdleError ?? (() => {}));
  const db = new Db(pool, schema);
  let closed = false;
  const close = async () => {
    if (closed || !owned) return;
    closed = true;
    await pool.end();
  };
  try {
    await migratePostgres(db, {
      schema,
      migrations: options.migrations ?? POSTGRES_MIGRATIONS,
    });
  } catch (error) {
    await close();
    throw error;
  }
  return {
    kind: "postgres",
    approvals: postgresApprovals(db),
    audit: postgresAudit(db),
    locks: postgresLocks(db),
    followUps: postgresFollowUps(db),
    subscriptions: postgresSubscriptions(db),
    intake: postgresIntake(db),
    async ping() {
      await db.query("SELECT 1");
    },
    requests: postgresRequestLedger(db),
    processes: postgresProcesses(db),
    pacing: postgresPacing(db),
    state: postgresState(db),
    retention: postgresRetention(db),
    close,
  };
}
