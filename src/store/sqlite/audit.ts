import type Database from "better-sqlite3";
import { z } from "zod";
import type { AuditEntry, AuditKind, AuditStore } from "../types.js";

const Row = z.object({
  id: z.number(),
  at: z.number(),
  correlation_id: z.string(),
  kind: z.string(),
  operation_id: z.string().nullable(),
  args: z.string().nullable(),
  user_id: z.string(),
  identity: z.string().nullable(),
  channel_id: z.string().nullable(),
  outcome: z.string(),
  duration_ms: z.number().nullable(),
  detail: z.string().nullable(),
});

export function sqliteAudit(db: Database.Database): AuditStore {
  const insert = db.prepare(`
    INSERT INTO audit_log (at, correlation_id, kind, operation_id, args, user_id, identity, channel_id, outcome, duration_ms, detail)
    VALUES (@at, @correlation_id, @kind, @operation_id, @args, @user_id, @identity, @channel_id, @outcome, @duration_ms, @detail)`);
  return {
    async append(entry) {
      insert.run({
        at: entry.at,
        correlation_id: entry.correlationId,
        kind: entry.kind,
        operation_id: entry.operationId ?? null,
        args: entry.args === undefined ? null : JSON.stringify(entry.args),
        user_id: entry.userId,
        identity: entry.identity ?? null,
        channel_id: entry.channelId ?? null,
        outcome: entry.outcome,
        duration_ms: entry.durationMs === undefined ? null : Math.round(entry.durationMs),
        detail: entry.detail ?? null,
      });
    },
    async query(query) {
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (query.userId !== undefined) {
        where.push("user_id = ?");
        params.push(query.userId);
      }
      // Operation patterns use `*` as GLOB does; anything else GLOB treats specially is refused.
      if (query.operation !== undefined) {
        if (/[?[\]]/.test(query.operation)) throw new RangeError("operation pattern may only use *");
        where.push("operation_id GLOB ?");
        params.push(query.operation);
      }
      if (query.since !== undefined) {
        where.push("at >= ?");
        params.push(query.since);
      }
      const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY at DESC, id DESC LIMIT ?`;
      return db
        .prepare(sql)
        .all(...params, query.limit)
        .map((row): AuditEntry => {
          const r = Row.parse(row);
          return {
            id: r.id,
            at: r.at,
            correlationId: r.correlation_id,
            kind: r.kind as AuditKind,
            ...(r.operation_id === null ? {} : { operationId: r.operation_id }),
            ...(r.args === null ? {} : { args: JSON.parse(r.args) as Record<string, unknown> }),
            userId: r.user_id,
            ...(r.identity === null ? {} : { identity: r.identity }),
            ...(r.channel_id === null ? {} : { channelId: r.channel_id }),
            outcome: r.outcome,
            ...(r.duration_ms === null ? {} : { durationMs: r.duration_ms }),
            ...(r.detail === null ? {} : { detail: r.detail }),
          };
        });
    },
  };
}
