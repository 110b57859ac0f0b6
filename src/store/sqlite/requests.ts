import type Database from "better-sqlite3";
import type { RequestLedger } from "../types.js";

/** How many sightings between two sweeps of expired records: the table stays small without a timer. */
const SWEEP_EVERY = 200;

export function sqliteRequestLedger(db: Database.Database): RequestLedger {
  // An expired record of the same key counts as never seen: it is taken over in place.
  const record = db.prepare(
    `INSERT INTO seen_requests (key, keep_until) VALUES (?, ?)
     ON CONFLICT (key) DO UPDATE SET keep_until = excluded.keep_until WHERE seen_requests.keep_until <= ?`,
  );
  const sweep = db.prepare("DELETE FROM seen_requests WHERE keep_until <= ?");
  let sightings = 0;
  return {
    async firstSighting(key, now, keepUntil) {
      if (++sightings % SWEEP_EVERY === 0) sweep.run(now);
      return record.run(key, keepUntil, now).changes === 1;
    },
  };
}
