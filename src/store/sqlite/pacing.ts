import type Database from "better-sqlite3";
import { z } from "zod";
import type { PacingStore } from "../types.js";

// The database's clock, in epoch milliseconds: processes sharing a file share a machine, and so a clock.
const NOW_MS = "CAST(unixepoch('subsec') * 1000 AS INTEGER)";

const Booked = z.object({ next_at: z.number(), now: z.number() });

export function sqlitePacing(db: Database.Database): PacingStore {
  // One statement, so one write transaction: processes on the same file book one after the other.
  // (INSERT … SELECT needs its WHERE for SQLite to read ON CONFLICT as the upsert clause.)
  const reserve = db.prepare(
    `INSERT INTO slack_pacing (lane, next_at) SELECT @lane, ${NOW_MS} + @interval WHERE true
     ON CONFLICT (lane) DO UPDATE SET next_at = max(next_at, ${NOW_MS}) + @interval
     RETURNING next_at, ${NOW_MS} AS now`,
  );
  const hold = db.prepare(
    `INSERT INTO slack_pacing (lane, next_at) SELECT @lane, ${NOW_MS} + @ms WHERE true
     ON CONFLICT (lane) DO UPDATE SET next_at = max(next_at, excluded.next_at)`,
  );
  const prune = db.prepare(`DELETE FROM slack_pacing WHERE next_at < ${NOW_MS} - ?`);
  return {
    async reserve(lane, intervalMs) {
      const interval = Math.max(0, Math.ceil(intervalMs));
      const row = Booked.parse(reserve.get({ lane, interval }));
      return Math.max(0, row.next_at - interval - row.now);
    },
    async hold(lane, ms) {
      hold.run({ lane, ms: Math.max(0, Math.ceil(ms)) });
    },
    async prune(idleMs) {
      return prune.run(Math.max(0, Math.trunc(idleMs))).changes;
    },
  };
}
