import { z } from "zod";
import type { SubscriptionStore } from "../types.js";
import type { Db } from "./db.js";

const Row = z.object({
  event: z.string(),
  channel_id: z.string(),
  created_by: z.string(),
  created_at: z.number(),
});

export function postgresSubscriptions(db: Db): SubscriptionStore {
  return {
    async add(subscription) {
      const { rowCount } = await db.query(
        `INSERT INTO subscriptions (event, channel_id, created_by, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (event, channel_id) DO NOTHING`,
        [subscription.event, subscription.channelId, subscription.createdBy, subscription.createdAt],
      );
      return rowCount === 1;
    },
    async remove(event, channelId) {
      const { rowCount } = await db.query("DELETE FROM subscriptions WHERE event = $1 AND channel_id = $2", [
        event,
        channelId,
      ]);
      return rowCount === 1;
    },
    async channelsFor(event) {
      const { rows } = await db.query(
        "SELECT channel_id FROM subscriptions WHERE event = $1 ORDER BY created_at",
        [event],
      );
      return rows.map((row) => z.object({ channel_id: z.string() }).parse(row).channel_id);
    },
    async list() {
      // Events sort by code point, as with SQLite's BINARY collation, whatever the database's locale.
      const { rows } = await db.query('SELECT * FROM subscriptions ORDER BY event COLLATE "C", created_at');
      return rows.map((row) => {
        const parsed = Row.parse(row);
        return {
          event: parsed.event,
          channelId: parsed.channel_id,
          createdBy: parsed.created_by,
          createdAt: parsed.created_at,
        };
      });
    },
  };
}
