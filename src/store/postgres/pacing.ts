import { z } from "zod";
import type { PacingStore } from "../types.js";
import type { Db } from "./db.js";

// The server's clock, in epoch milliseconds, read when the statement gets to it (after any row lock):
// replicas whose own clocks disagree still book slots on one time line.
const NOW_MS = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";

const Wait = z.object({ wait: z.number() });

export function postgresPacing(db: Db): PacingStore {
  return {
    async reserve(lane, intervalMs) {
      const interval = Math.max(0, Math.ceil(intervalMs));
      // One statement: the row lock of ON CONFLICT makes concurrent replicas book one after the other.
      const { rows } = await db.query(
        `INSERT INTO slack_pacing AS p (lane, next_at) VALUES ($1, ${NOW_MS} + $2::bigint)
         ON CONFLICT (lane) DO UPDATE SET next_at = greatest(p.next_at, ${NOW_MS}) + $2::bigint
         RETURNING p.next_at - $2::bigint - ${NOW_MS} AS wait`,
        [lane, interval],
      );
      return Math.max(0, Wait.parse(rows[0]).wait);
    },
    async hold(lane, ms) {
      await db.query(
        `INSERT INTO slack_pacing AS p (lane, next_at) VALUES ($1, ${NOW_MS} + $2::bigint)
         ON CONFLICT (lane) DO UPDATE SET next_at = greatest(p.next_at, EXCLUDED.next_at)`,
        [lane, Math.max(0, Math.ceil(ms))],
      );
    },
    async prune(idleMs) {
      const { rowCount } = await db.query(`DELETE FROM slack_pacing WHERE next_at < ${NOW_MS} - $1::bigint`, [
        Math.max(0, Math.trunc(idleMs)),
      ]);
      return rowCount;
    },
  };
}
