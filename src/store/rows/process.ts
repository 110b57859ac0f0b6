import { z } from "zod";
import type { ProcessRecord } from "../types.js";

/** A `processes` row with its computed `live` (SQLite answers 0/1 where PostgreSQL answers a boolean). */
const Row = z.object({
  id: z.string(),
  started_at: z.number(),
  heartbeat_at: z.number(),
  stopped_at: z.number().nullable(),
  live: z.union([z.boolean(), z.literal(0), z.literal(1)]),
});

export function processRecordOf(raw: unknown): ProcessRecord {
  const row = Row.parse(raw);
  return {
    id: row.id,
    startedAt: row.started_at,
    heartbeatAt: row.heartbeat_at,
    ...(row.stopped_at === null ? {} : { stoppedAt: row.stopped_at }),
    live: row.live === true || row.live === 1,
  };
}
