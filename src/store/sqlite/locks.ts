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

function read(row: unknown): Lock {
  const r = Row.parse(row);
  return {
    target: { kind: r.kind, name: r.name },
    reason: r.reason,
    lockedBy: r.locked_by,
    lockedAt: r.locked_at,
    ...(r.until === null ? {} : { until: r.until }),
  };
}

export function sqliteLocks(db: Database.Database): LockStore {
  const upsert = db.prepare(`
    INSERT INTO locks (kind, name, reason, locked_by, locked_at, until) VALUES (@kind, @name, @reason, @locked_by, @locked_at, @until)
    ON CONFLICT (kind, name) DO UPDATE SET reason = excluded.reason, locked_by = excluded.locked_by,
      locked_at = excluded.locked_at, until = excluded.until`);
  const get = db.prepare("SELECT * FROM locks WHERE kind = ? AND name = ?");
  const remove = db.prepare("DELETE FROM locks WHERE kind = ? AND name = ?");
  const expired = db.prepare("DELETE FROM locks WHERE until IS NOT NULL AND until <= ?");
  const all = db.prepare("SELECT * FROM locks ORDER BY locked_at DESC");
  return {
    async lock(lock) {
      upsert.run({
        kind: lock.target.kind,
        name: lock.target.name,
        reason: lock.reason,
        locked_by: lock.lockedBy,
        locked_at: lock.lockedAt,
        until: lock.until ?? null,
      });
      return lock;
    },
    async unlock(target) {
      const row = get.get(target.kind, target.name);
      if (row === undefined) return undefined;
      remove.run(target.kind, target.name);
      return read(row);
    },
    async active(target, now) {
      expired.run(now);
      const row = get.get(target.kind, target.name);
      return row === undefined ? undefined : read(row);
    },
    async list(now) {
      expired.run(now);
      return all.all().map(read);
    },
  };
}
