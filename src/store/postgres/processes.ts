import { processRecordOf } from "../rows/process.js";
import type { ProcessStore } from "../types.js";
import type { Db } from "./db.js";

/** The database server's clock in epoch milliseconds: the one every replica is judged by. */
export const DB_NOW_MS = "(extract(epoch from now()) * 1000)::bigint";

/** A process silent this long is forgotten; work it still names counts as an unknown owner's. */
const FORGET_AFTER_MS = 7 * 24 * 3_600_000;

/**
 * True when the owner in `column` is gone: none, unknown, stopped, or silent for longer than the
 * parameter `$n` (`staleParam`), by the database's clock.
 */
export function ownerGone(column: string, staleParam: string): string {
  return `(${column} IS NULL OR NOT EXISTS (
    SELECT 1 FROM processes p WHERE p.id = ${column} AND p.stopped_at IS NULL
      AND p.heartbeat_at > ${DB_NOW_MS} - ${staleParam}::bigint))`;
}

export function postgresProcesses(db: Db): ProcessStore {
  return {
    async register(id) {
      await db.transaction(async (sql) => {
        await sql(`DELETE FROM processes WHERE heartbeat_at < ${DB_NOW_MS} - $1::bigint`, [FORGET_AFTER_MS]);
        await sql(
          `INSERT INTO processes (id, started_at, heartbeat_at) VALUES ($1, ${DB_NOW_MS}, ${DB_NOW_MS})
           ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, stopped_at = NULL`,
          [id],
        );
      });
    },
    async heartbeat(id) {
      // Leaves stopped_at alone: a heartbeat racing the stop must not bring a stopped process back.
      await db.query(
        `INSERT INTO processes (id, started_at, heartbeat_at) VALUES ($1, ${DB_NOW_MS}, ${DB_NOW_MS})
         ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
        [id],
      );
    },
    async markStopped(id) {
      await db.query(
        `UPDATE processes SET stopped_at = ${DB_NOW_MS}, heartbeat_at = ${DB_NOW_MS} WHERE id = $1`,
        [id],
      );
    },
    async list(staleAfterMs) {
      const { rows } = await db.query(
        `SELECT *, (stopped_at IS NULL AND heartbeat_at > ${DB_NOW_MS} - $1::bigint) AS live
         FROM processes ORDER BY started_at, id COLLATE "C"`,
        [staleAfterMs],
      );
      return rows.map(processRecordOf);
    },
  };
}
