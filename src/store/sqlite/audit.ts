import type Database from "better-sqlite3";
import { z } from "zod";
import type { AuditEntry, AuditQuery, AuditStore } from "../types.js";
import { JsonObject, jsonColumn } from "./json.js";

const Row = z.object({
  id: z.number().int(),
  at: z.number(),
  correlation_id: z.string(),
  kind: z.enum([
    "command",
    "refusal",
    "approval.requested",
    "approval.approved",
    "approval.denied",
    "approval.expired",
    "execution",
    "lock",
    "unlock",
  ]),
  operation_id: z.string().nullable(),
  args: jsonColumn(JsonObject).nullable(),
  user_id: z.string(),
  identity: z.string().nullable(),
  channel_id: z.string().nullable(),
  outcome: z.string(),
  duration_ms: z.number().nullable(),
  detail: z.string().nullable(),
});

function toEntry(row: unknown): AuditEntry {
  const parsed = Row.parse(row);
  return {
    id: parsed.id,
    at: parsed.at,
    correlationId: parsed.correlation_id,
    kind: parsed.kind,
    ...(parsed.operation_id === null ? {} : { operationId: parsed.operation_id }),
    ...(parsed.args === null ? {} : { args: parsed.args }),
    userId: parsed.user_id,
    ...(parsed.identity === null ? {} : { identity: parsed.identity }),
    ...(parsed.channel_id === null ? {} : { channelId: parsed.channel_id }),
    outcome: parsed.outcome,
    ...(parsed.duration_ms === null ? {} : { durationMs: parsed.duration_ms }),
    ...(parsed.detail === null ? {} : { detail: parsed.detail }),
  };
}

/** The WHERE clause of a query; every value goes in as a parameter. */
function whereOf(query: AuditQuery): { clause: string; params: (string | number)[] } {
  const conditions: string[] = [];
  const params: (string | number)[] = [];
  if (query.userId !== undefined) {
    conditions.push("user_id = ?");
    params.push(query.userId);
  }
  if (query.operationId !== undefined) {
    // `*` patterns map onto GLOB; GLOB's other wildcards are refused so an id never matches by accident.
    if (/[?[\]]/.test(query.operationId)) throw new RangeError("an operation pattern may only use *");
    conditions.push("operation_id GLOB ?");
    params.push(query.operationId);
  }
  if (query.since !== undefined) {
    conditions.push("at >= ?");
    params.push(query.since);
  }
  if (query.before !== undefined) {
    conditions.push("id < ?");
    params.push(query.before);
  }
  return { clause: conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`, params };
}

export function sqliteAudit(db: Database.Database): AuditStore {
  const insert = db.prepare(`
    INSERT INTO audit_log (at, correlation_id, kind, operation_id, args, user_id, identity, channel_id, outcome,
      duration_ms, detail)
    VALUES (@at, @correlation_id, @kind, @operation_id, @args, @user_id, @identity, @channel_id, @outcome,
      @duration_ms, @detail)`);
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
      if (!Number.isInteger(query.limit) || query.limit < 1)
        throw new RangeError("limit must be a positive integer");
      const { clause, params } = whereOf(query);
      // Newest first by id: ids follow the order of appends, and they are what the `before` cursor uses.
      return db
        .prepare(`SELECT * FROM audit_log ${clause} ORDER BY id DESC LIMIT ?`)
        .all(...params, query.limit)
        .map(toEntry);
    },
  };
}
