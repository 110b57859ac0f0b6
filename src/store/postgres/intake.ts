import { intakeEntryOf } from "../rows/intake.js";
import type { IntakeStore } from "../types.js";
import type { Db } from "./db.js";
import { ownerGone } from "./processes.js";

export function postgresIntake(db: Db): IntakeStore {
  return {
    // Written and removed around every ack: these two skip the wait for the disk flush (see Db).
    async open(entry) {
      await db.queryUnflushed(
        `INSERT INTO intake (id, user_id, channel_id, command_text, response_url, received_at, owner)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          entry.id,
          entry.userId,
          entry.channelId,
          entry.text,
          entry.responseUrl,
          entry.receivedAt,
          entry.owner,
        ],
      );
    },
    async settle(id) {
      await db.queryUnflushed("DELETE FROM intake WHERE id = $1", [id]);
    },
    async unsettled() {
      const { rows } = await db.query("SELECT * FROM intake ORDER BY received_at, rowid");
      return rows.map(intakeEntryOf);
    },
    async takeOverUnsettled(staleAfterMs, newOwner) {
      // SKIP LOCKED: of two survivors taking over at once, each gets the rows the other has not locked;
      // a row the other already re-owned is then a live process's, and left alone.
      const { rows } = await db.query(
        `WITH taken AS (
           UPDATE intake SET owner = $2 WHERE id IN (
             SELECT id FROM intake WHERE owner IS DISTINCT FROM $2 AND ${ownerGone("owner", "$1")}
             FOR UPDATE SKIP LOCKED)
           RETURNING *)
         SELECT * FROM taken ORDER BY received_at, rowid`,
        [staleAfterMs, newOwner],
      );
      return rows.map(intakeEntryOf);
    },
  };
}
