import type { PrunedTable, RetentionStore } from "../types.js";
import type { Db } from "./db.js";

// Each picks the oldest rows by an indexed time column; votes and transitions go by ON DELETE CASCADE.
// SKIP LOCKED: replicas pruning at once take different rows, and a row being changed is left for later.
const PRUNE: Readonly<Record<PrunedTable, string>> = {
  audit: `DELETE FROM audit_log WHERE id IN (
    SELECT id FROM audit_log WHERE at < $1 ORDER BY at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
  approvals: `DELETE FROM approval_requests WHERE id IN (
    SELECT id FROM approval_requests
    WHERE updated_at < $1 AND status IN ('succeeded', 'failed', 'denied', 'expired')
    ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
  followups: `DELETE FROM followups WHERE id IN (
    SELECT id FROM followups WHERE updated_at < $1 AND status <> 'active'
    ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
  intake: `DELETE FROM intake WHERE id IN (
    SELECT id FROM intake WHERE received_at < $1 ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
};

export function postgresRetention(db: Db): RetentionStore {
  return {
    async prune(table, before, limit) {
      return (await db.query(PRUNE[table], [before, limit])).rowCount ?? 0;
    },
  };
}
