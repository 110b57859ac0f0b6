import Database from "better-sqlite3";
import type { Store } from "../types.js";
import { sqliteApprovals } from "./approvals.js";
import { sqliteAudit } from "./audit.js";
import { sqliteFollowUps } from "./followups.js";
import { sqliteIntake } from "./intake.js";
import { createFoldersFor } from "./location.js";
import { sqliteLocks } from "./locks.js";
import { MIGRATIONS, type Migration, migrate } from "./migrations.js";
import { sqlitePacing } from "./pacing.js";
import { sqliteProcesses } from "./processes.js";
import { sqliteRequestLedger } from "./requests.js";
import { sqliteRetention } from "./retention.js";
import { sqliteState } from "./state.js";
import { sqliteSubscriptions } from "./subscriptions.js";

export interface SqliteStoreOptions {
  /** A file path (its folder is created), or `:memory:` for a store that lives as long as the process. */
  readonly path: string;
  /** How long a write waits for another connection's transaction before failing (default 5 s). */
  readonly busyTimeoutMs?: number;
  /** The schema to bring the file to; only tests of the migration runner pass their own. */
  readonly migrations?: readonly Migration[];
}

/**
 * Opens (creating if needed) the embedded store and brings its schema up to date. Synchronous
 * underneath: the async interface is there for a networked database to take its place.
 */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  // Its folders first; a StoreLocationError says which one cannot be made, and why.
  if (options.path !== ":memory:") createFoldersFor(options.path);
  const db = new Database(options.path);
  try {
    // WAL lets readers run beside the one writer; with it, NORMAL loses nothing if the process dies
    // (only on power loss may the last commits go).
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
    migrate(db, options.migrations ?? MIGRATIONS);
  } catch (error) {
    db.close();
    throw error;
  }
  return {
    kind: "sqlite",
    approvals: sqliteApprovals(db),
    audit: sqliteAudit(db),
    locks: sqliteLocks(db),
    followUps: sqliteFollowUps(db),
    subscriptions: sqliteSubscriptions(db),
    intake: sqliteIntake(db),
    async ping() {
      // Throws once the file is closed, or when it cannot be read any more.
      db.prepare("SELECT 1").get();
    },
    requests: sqliteRequestLedger(db),
    processes: sqliteProcesses(db),
    pacing: sqlitePacing(db),
    state: sqliteState(db),
    retention: sqliteRetention(db),
    async close() {
      if (db.open) db.close();
    },
  };
}
