import type Database from "better-sqlite3";
import { z } from "zod";
import type { SubscriptionStore } from "../types.js";

const Row = z.object({
  event: z.string(),
  channel_id: z.string(),
  created_by: z.string(),
  created_at: z.number(),
});

export function sqliteSubscriptions(db: Database.Database): SubscriptionStore {
  const insert = db.prepare(
    "INSERT OR IGNORE INTO subscriptions (event, channel_id, created_by, created_at) VALUES (?, ?, ?, ?)",
  );
  const remove = db.prepare("DELETE FROM subscriptions WHERE event = ? AND channel_id = ?");
  const forEvent = db.prepare("SELECT channel_id FROM subscriptions WHERE event = ? ORDER BY created_at");
  const all = db.prepare("SELECT * FROM subscriptions ORDER BY event, created_at");
  return {
    async add(subscription) {
      return (
        insert.run(subscription.event, subscription.channelId, subscription.createdBy, subscription.createdAt)
          .changes === 1
      );
    },
    async remove(event, channelId) {
      return remove.run(event, channelId).changes === 1;
    },
    async channelsFor(event) {
      return forEvent.all(event).map((row) => z.object({ channel_id: z.string() }).parse(row).channel_id);
    },
    async list() {
      return all.all().map((row) => {
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
