import type Database from "better-sqlite3";
import type { PrunedTable, RetentionStore } from "../types.js";

// Each picks the oldest rows by an indexed time column; votes and transitions go by ON DELETE CASCADE.
const PRUNE: Readonly<Record<PrunedTable, string>> = {
  audit: `DELETE FROM audit_log WHERE id IN (
    SELECT id FROM audit_log WHERE at < @before ORDER BY at LIMIT @limit)`,
  approvals: `DELETE FROM approval_requests WHERE id IN (
    SELECT id FROM approval_requests
    WHERE updated_at < @before AND status IN ('succeeded', 'failed', 'denied', 'expired')
    ORDER BY updated_at LIMIT @limit)`,
  followups: `DELETE FROM followups WHERE id IN (
    SELECT id FROM followups WHERE updated_at < @before AND status <> 'active'
    ORDER BY updated_at LIMIT @limit)`,
  intake: `DELETE FROM intake WHERE id IN (
    SELECT id FROM intake WHERE received_at < @before ORDER BY received_at LIMIT @limit)`,
};

export function sqliteRetention(db: Database.Database): RetentionStore {
  const statements = Object.fromEntries(
    Object.entries(PRUNE).map(([table, sql]) => [table, db.prepare(sql)]),
  ) as Record<PrunedTable, Database.Statement>;
  return {
    async prune(table, before, limit) {
      return statements[table].run({ before, limit }).changes;
    },
  };
}
