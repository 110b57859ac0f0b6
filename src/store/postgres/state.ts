import { z } from "zod";
import type { ServiceStateStore } from "../types.js";
import type { Db } from "./db.js";

const Row = z.object({ value: z.string() });

export function postgresState(db: Db): ServiceStateStore {
  return {
    async get(key) {
      const { rows } = await db.query("SELECT value FROM service_state WHERE key = $1", [key]);
      return rows[0] === undefined ? undefined : Row.parse(rows[0]).value;
    },
    async compareAndSet(key, expected, value, now) {
      const { rowCount } =
        expected === undefined
          ? await db.query(
              "INSERT INTO service_state (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING",
              [key, value, now],
            )
          : await db.query(
              "UPDATE service_state SET value = $2, updated_at = $3 WHERE key = $1 AND value = $4",
              [key, value, now, expected],
            );
      return rowCount === 1;
    },
  };
}
