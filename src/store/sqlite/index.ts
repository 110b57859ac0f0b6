import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { Store } from "../types.js";
import { sqliteApprovals } from "./approvals.js";
import { sqliteAudit } from "./audit.js";
import { sqliteLocks } from "./locks.js";
import { MIGRATIONS, type Migration, migrate } from "./migrations.js";

export interface SqliteStoreOptions {
  /** A file path (its folder is created), or `:memory:`. */
  readonly path: string;
  /** For tests of the migration runner. */
  readonly migrations?: readonly Migration[];
}

/** Opens (creating if needed) the embedded store and brings its schema up to date. */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  try {
    // WAL lets readers run beside the writer; NORMAL is durable across crashes of the process in WAL.
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
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
    async close() {
      if (db.open) db.close();
    },
  };
}
