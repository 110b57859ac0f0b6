import type Database from "better-sqlite3";
import { z } from "zod";
import type { Lock, LockStore } from "../types.js";

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

export function sqliteLocks(db: Database.Database): LockStore {
  const sql = {
    upsert: db.prepare(`
      INSERT INTO locks (kind, name, reason, locked_by, locked_at, until)
      VALUES (@kind, @name, @reason, @locked_by, @locked_at, @until)
      ON CONFLICT (kind, name) DO UPDATE SET reason = excluded.reason, locked_by = excluded.locked_by,
        locked_at = excluded.locked_at, until = excluded.until
      RETURNING *`),
    // RETURNING makes "remove it and say what it was" one statement.
    remove: db.prepare("DELETE FROM locks WHERE kind = ? AND name = ? RETURNING *"),
    // A lock is in force while now < until; expired ones are deleted on the way.
    purge: db.prepare("DELETE FROM locks WHERE until IS NOT NULL AND until <= ?"),
    get: db.prepare("SELECT * FROM locks WHERE kind = ? AND name = ?"),
    all: db.prepare("SELECT * FROM locks ORDER BY locked_at DESC, kind, name"),
  };
  const active = db.transaction((target: Lock["target"], now: number) => {
    sql.purge.run(now);
    const row = sql.get.get(target.kind, target.name);
    return row === undefined ? undefined : toLock(row);
  });
  const list = db.transaction((now: number) => {
    sql.purge.run(now);
    return sql.all.all().map(toLock);
  });
  return {
    async lock(lock) {
      return toLock(
        sql.upsert.get({
          kind: lock.target.kind,
          name: lock.target.name,
          reason: lock.reason,
          locked_by: lock.lockedBy,
          locked_at: lock.lockedAt,
          until: lock.until ?? null,
        }),
      );
    },
    async unlock(target) {
      const row = sql.remove.get(target.kind, target.name);
      return row === undefined ? undefined : toLock(row);
    },
    async active(target, now) {
      return active.immediate(target, now);
    },
    async list(now) {
      return list.immediate(now);
    },
  };
}
