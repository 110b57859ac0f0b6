import type Database from "better-sqlite3";
import { intakeEntryOf } from "../rows/intake.js";
import type { IntakeStore } from "../types.js";
import { ownerGone } from "./processes.js";

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
      const entry = intakeEntryOf(raw);
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
      return sql.all.all().map(intakeEntryOf);
    },
    async takeOverUnsettled(staleAfterMs, newOwner) {
      return takeOver.immediate(staleAfterMs, newOwner);
    },
  };
}
