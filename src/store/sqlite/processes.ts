import type Database from "better-sqlite3";
import { processRecordOf } from "../rows/process.js";
import type { ProcessStore } from "../types.js";

/** The database's clock in epoch milliseconds: the processes sharing an SQLite file share its machine. */
export const DB_NOW_MS = "CAST(unixepoch('subsec') * 1000 AS INTEGER)";

/** A process silent this long is forgotten; work it still names counts as an unknown owner's. */
const FORGET_AFTER_MS = 7 * 24 * 3_600_000;

/**
 * True when the owner in `column` is gone: none, unknown, stopped, or silent for longer than the
 * parameter `@stale_after_ms`, by the database's clock.
 */
export function ownerGone(column: string): string {
  return `(${column} IS NULL OR NOT EXISTS (
    SELECT 1 FROM processes p WHERE p.id = ${column} AND p.stopped_at IS NULL
      AND p.heartbeat_at > ${DB_NOW_MS} - @stale_after_ms))`;
}

export function sqliteProcesses(db: Database.Database): ProcessStore {
  const sql = {
    register: db.prepare(`
      INSERT INTO processes (id, started_at, heartbeat_at) VALUES (?, ${DB_NOW_MS}, ${DB_NOW_MS})
      ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, stopped_at = NULL`),
    forget: db.prepare(`DELETE FROM processes WHERE heartbeat_at < ${DB_NOW_MS} - ?`),
    // Leaves stopped_at alone: a heartbeat racing the stop must not bring a stopped process back.
    heartbeat: db.prepare(`
      INSERT INTO processes (id, started_at, heartbeat_at) VALUES (?, ${DB_NOW_MS}, ${DB_NOW_MS})
      ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`),
    stop: db.prepare(
      `UPDATE processes SET stopped_at = ${DB_NOW_MS}, heartbeat_at = ${DB_NOW_MS} WHERE id = ?`,
    ),
    list: db.prepare(`
      SELECT *, (stopped_at IS NULL AND heartbeat_at > ${DB_NOW_MS} - ?) AS live
      FROM processes ORDER BY started_at, id`),
  };
  const register = db.transaction((id: string) => {
    sql.forget.run(FORGET_AFTER_MS);
    sql.register.run(id);
  });
  return {
    async register(id) {
      register.immediate(id);
    },
    async heartbeat(id) {
      sql.heartbeat.run(id);
    },
    async markStopped(id) {
      sql.stop.run(id);
    },
    async list(staleAfterMs) {
      return sql.list.all(staleAfterMs).map(processRecordOf);
    },
  };
}
