import { z } from "zod";
import type { AuditEntry, AuditQuery, AuditStore } from "../types.js";
import type { Db } from "./db.js";
import { JsonObject, json } from "./rows.js";

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
  args: JsonObject.nullable(),
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

/**
 * An operation pattern as LIKE: `*` is the one wildcard, as with SQLite's GLOB (whose other wildcards
 * are refused), and LIKE's own `%`, `_` and escape character match only themselves.
 */
function likeOf(pattern: string): string {
  if (/[?[\]]/.test(pattern)) throw new RangeError("an operation pattern may only use *");
  return pattern.replace(/[\\%_]/g, "\\$&").replaceAll("*", "%");
}

/** The WHERE clause of a query; every value goes in as a parameter. */
function whereOf(query: AuditQuery): { clause: string; params: (string | number)[] } {
  const conditions: string[] = [];
  const params: (string | number)[] = [];
  const add = (condition: (placeholder: string) => string, value: string | number) => {
    params.push(value);
    conditions.push(condition(`$${params.length}`));
  };
  if (query.userId !== undefined) add((n) => `user_id = ${n}`, query.userId);
  if (query.operationId !== undefined)
    add((n) => `operation_id LIKE ${n} ESCAPE '\\'`, likeOf(query.operationId));
  if (query.since !== undefined) add((n) => `at >= ${n}`, query.since);
  if (query.before !== undefined) add((n) => `id < ${n}`, query.before);
  return { clause: conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`, params };
}

export function postgresAudit(db: Db): AuditStore {
  return {
    async append(entry) {
      await db.query(
        `INSERT INTO audit_log (at, correlation_id, kind, operation_id, args, user_id, identity, channel_id,
           outcome, duration_ms, detail)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11)`,
        [
          entry.at,
          entry.correlationId,
          entry.kind,
          entry.operationId ?? null,
          entry.args === undefined ? null : json(entry.args),
          entry.userId,
          entry.identity ?? null,
          entry.channelId ?? null,
          entry.outcome,
          entry.durationMs === undefined ? null : Math.round(entry.durationMs),
          entry.detail ?? null,
        ],
      );
    },
    async query(query) {
      if (!Number.isInteger(query.limit) || query.limit < 1)
        throw new RangeError("limit must be a positive integer");
      const { clause, params } = whereOf(query);
      // Newest first by id: ids follow the order of appends, and they are what the `before` cursor uses.
      const { rows } = await db.query(
        `SELECT * FROM audit_log ${clause} ORDER BY id DESC LIMIT $${params.length + 1}`,
        [...params, query.limit],
      );
      return rows.map(toEntry);
    },
  };
}
