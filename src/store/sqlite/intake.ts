import type Database from "better-sqlite3";
import { z } from "zod";
import type { IntakeEntry, IntakeStore } from "../types.js";
import { ownerGone } from "./processes.js";

const Row = z.object({
  id: z.string(),
  user_id: z.string(),
  channel_id: z.string(),
  command_text: z.string(),
  response_url: z.string(),
  received_at: z.number(),
  owner: z.string().nullable(),
});

function toEntry(raw: unknown): IntakeEntry {
  const row = Row.parse(raw);
  return {
    id: row.id,
    userId: row.user_id,
    channelId: row.channel_id,
    text: row.command_text,
    responseUrl: row.response_url,
    receivedAt: row.received_at,
    // Entries from before owners were recorded: nobody, which recovery treats as gone.
    owner: row.owner ?? "",
  };
}

export function sqliteIntake(db: Database.Database): IntakeStore {
  const sql = {
    insert: db.prepare(
      "INSERT INTO intake (id, user_id, channel_id, command_text, response_url, received_at, owner) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ),
    remove: db.prepare("DELETE FROM intake WHERE id = ?"),
    all: db.prepare("SELECT * FROM intake ORDER BY received_at, rowid"),
    orphaned: db.prepare(`
      SELECT * FROM intake WHERE owner IS NOT @owner AND ${ownerGone("owner")} ORDER BY received_at, rowid`),
    reown: db.prepare("UPDATE intake SET owner = ? WHERE id = ?"),
  };
  // Under the write lock (IMMEDIATE) from the read to the re-owning: no other process slips between.
  const takeOver = db.transaction((staleAfterMs: number, owner: string) =>
    sql.orphaned.all({ stale_after_ms: staleAfterMs, owner }).map((raw) => {
      const entry = toEntry(raw);
      sql.reown.run(owner, entry.id);
      return { ...entry, owner };
    }),
  );
  return {
    async open(entry) {
      sql.insert.run(
        entry.id,
        entry.userId,
        entry.channelId,
        entry.text,
        entry.responseUrl,
        entry.receivedAt,
        entry.owner,
      );
    },
    async settle(id) {
      sql.remove.run(id);
    },
    async unsettled() {
      return sql.all.all().map(toEntry);
    },
    async takeOverUnsettled(staleAfterMs, newOwner) {
      return takeOver.immediate(staleAfterMs, newOwner);
    },
  };
}
