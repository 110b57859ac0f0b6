import type Database from "better-sqlite3";
import { z } from "zod";
import type { ServiceStateStore } from "../types.js";

const Row = z.object({ value: z.string() });

export function sqliteState(db: Database.Database): ServiceStateStore {
  const get = db.prepare("SELECT value FROM service_state WHERE key = ?");
  const insert = db.prepare(
    "INSERT INTO service_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
  );
  const replace = db.prepare(
    "UPDATE service_state SET value = ?, updated_at = ? WHERE key = ? AND value = ?",
  );
  return {
    async get(key) {
      const row = get.get(key);
      return row === undefined ? undefined : Row.parse(row).value;
    },
    async compareAndSet(key, expected, value, now) {
      const result =
        expected === undefined ? insert.run(key, value, now) : replace.run(value, now, key, expected);
      return result.changes === 1;
    },
  };
}
