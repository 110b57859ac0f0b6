import type { RequestLedger } from "../types.js";
import type { Db } from "./db.js";

/** How many sightings between two sweeps of expired records: the table stays small without a timer. */
const SWEEP_EVERY = 200;

export function postgresRequestLedger(db: Db): RequestLedger {
  let sightings = 0;
  return {
    async firstSighting(key, now, keepUntil) {
      if (++sightings % SWEEP_EVERY === 0)
        await db.query("DELETE FROM seen_requests WHERE keep_until <= $1", [now]);
      // One statement, so two replicas given the same request at once cannot both see it first.
      const result = await db.query(
        `INSERT INTO seen_requests (key, keep_until) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET keep_until = EXCLUDED.keep_until
         WHERE seen_requests.keep_until <= $3`,
        [key, keepUntil, now],
      );
      return result.rowCount === 1;
    },
  };
}
