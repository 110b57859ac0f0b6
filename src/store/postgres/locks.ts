import { z } from "zod";
import type { Lock, LockStore } from "../types.js";
import type { Db } from "./db.js";

const Row = z.object({
  kind: z.enum(["namespace", "allocation"]),
  name: z.string(),
  reason: z.string(),
  locked_by: z.string(),
  locked_at: z.number(),
  until: z.number().nullable(),
});

function toLock(row: unknown): Lock {
  const parsed = Row.parse(row);
  return {
    target: { kind: parsed.kind, name: parsed.name },
    reason: parsed.reason,
    lockedBy: parsed.locked_by,
    lockedAt: parsed.locked_at,
    ...(parsed.until === null ? {} : { until: parsed.until }),
  };
}

/**
 * A lock is in force while now < until; expired ones are deleted on the way. Purge and read are one
 * statement: its parts share one snapshot, so the read leaves out what the purge deletes by itself. A
 * lock set again meanwhile is not purged: the DELETE re-checks `until` on the row as the setter left it.
 */
const PURGE = "purged AS (DELETE FROM locks WHERE until IS NOT NULL AND until <= $1)";
const IN_FORCE = "(until IS NULL OR until > $1)";

export function postgresLocks(db: Db): LockStore {
  return {
    async lock(lock) {
      const { rows } = await db.query(
        `INSERT INTO locks (kind, name, reason, locked_by, locked_at, until)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (kind, name) DO UPDATE SET reason = excluded.reason, locked_by = excluded.locked_by,
           locked_at = excluded.locked_at, until = excluded.until
         RETURNING *`,
        [lock.target.kind, lock.target.name, lock.reason, lock.lockedBy, lock.lockedAt, lock.until ?? null],
      );
      return toLock(rows[0]);
    },
    async unlock(target) {
      // RETURNING makes "remove it and say what it was" one statement.
      const { rows } = await db.query("DELETE FROM locks WHERE kind = $1 AND name = $2 RETURNING *", [
        target.kind,
        target.name,
      ]);
      return rows[0] === undefined ? undefined : toLock(rows[0]);
    },
    async active(target, now) {
      const { rows } = await db.query(
        `WITH ${PURGE} SELECT * FROM locks WHERE kind = $2 AND name = $3 AND ${IN_FORCE}`,
        [now, target.kind, target.name],
      );
      return rows[0] === undefined ? undefined : toLock(rows[0]);
    },
    async list(now) {
      // Text sorts by code point, as with SQLite's BINARY collation, whatever the database's locale.
      const { rows } = await db.query(
        `WITH ${PURGE} SELECT * FROM locks WHERE ${IN_FORCE} ORDER BY locked_at DESC, kind COLLATE "C", name COLLATE "C"`,
        [now],
      );
      return rows.map(toLock);
    },
  };
}
