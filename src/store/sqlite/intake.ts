import type Database from "better-sqlite3";
import { z } from "zod";
import type { IntakeStore } from "../types.js";

const Row = z.object({
  id: z.string(),
  user_id: z.string(),
  channel_id: z.string(),
  command_text: z.string(),
  response_url: z.string(),
  received_at: z.number(),
});

export function sqliteIntake(db: Database.Database): IntakeStore {
  const insert = db.prepare(
    "INSERT INTO intake (id, user_id, channel_id, command_text, response_url, received_at) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const remove = db.prepare("DELETE FROM intake WHERE id = ?");
  const all = db.prepare("SELECT * FROM intake ORDER BY received_at, rowid");
  return {
    async open(entry) {
      insert.run(entry.id, entry.userId, entry.channelId, entry.text, entry.responseUrl, entry.receivedAt);
    },
    async settle(id) {
      remove.run(id);
    },
    async unsettled() {
      return all.all().map((raw) => {
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
