import { z } from "zod";
import type { IntakeEntry } from "../types.js";

/** An `intake` row as either database returns it (the columns and their types are the same in both). */
const Row = z.object({
  id: z.string(),
  user_id: z.string(),
  channel_id: z.string(),
  command_text: z.string(),
  response_url: z.string(),
  received_at: z.number(),
  owner: z.string().nullable(),
});

export function intakeEntryOf(raw: unknown): IntakeEntry {
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
