import { z } from "zod";
import type { IntakeStore } from "../types.js";
import type { Db } from "./db.js";

const Row = z.object({
  id: z.string(),
  user_id: z.string(),
  channel_id: z.string(),
  command_text: z.string(),
  response_url: z.string(),
  received_at: z.number(),
});

export function postgresIntake(db: Db): IntakeStore {
  return {
    async open(entry) {
      await db.query(
        `INSERT INTO intake (id, user_id, channel_id, command_text, response_url, received_at)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [entry.id, entry.userId, entry.channelId, entry.text, entry.responseUrl, entry.receivedAt],
      );
    },
    async settle(id) {
      await db.query("DELETE FROM intake WHERE id = $1", [id]);
    },
    async unsettled() {
      const { rows } = await db.query("SELECT * FROM intake ORDER BY received_at, rowid");
      return rows.map((raw) => {
        const row = Row.parse(raw);
        return {
          id: row.id,
          userId: row.user_id,
          channelId: row.channel_id,
          text: row.command_text,
          responseUrl: row.response_url,
          receivedAt: row.received_at,
        };
      });
    },
  };
}
