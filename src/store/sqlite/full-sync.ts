import type Database from "better-sqlite3";

/**
 * Runs `body` (one transaction) with `synchronous = FULL`, then puts the connection's setting back. In
 * WAL mode, FULL syncs the log at the commit, so what `body` committed survives a power loss, and with
 * it every commit before; the rest of the store runs NORMAL (durable across a crash of the process, not
 * of the machine), which keeps an fsync off every acknowledgement. The pragma is per connection and
 * better-sqlite3 is synchronous, so nothing else runs on this connection in between.
 */
export function withFullSync<T>(db: Database.Database, body: () => T): T {
  const before = Number(db.pragma("synchronous", { simple: true }));
  db.pragma("synchronous = FULL");
  try {
    return body();
  } finally {
    db.pragma(`synchronous = ${before}`);
  }
}
