import { z } from "zod";
import type { ApprovalRequest, ApprovalStatus, ApprovalStore, ApproveResult, DenyResult } from "../types.js";
import { SELECT_REQUEST, toInsertParams, toRequest } from "./approval-row.js";
import type { Db, Sql } from "./db.js";
import { ownerGone } from "./processes.js";
import { json } from "./rows.js";

const IdRow = z.object({ id: z.string() });
const CountRow = z.object({ n: z.number().int() });

const INSERT = `
  INSERT INTO approval_requests (id, correlation_id, operation_id, args, raw_args, target, fingerprint,
    requester_id, requester_identity, channel_id, rule, force, status, created_at, expires_at, updated_at,
    withheld_args)
  VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6::jsonb, $7, $8, $9, $10, $11::jsonb, $12, 'pending', $13, $14, $13,
    $15::jsonb)`;

// Every transition names the status it leaves: a request that moved on meanwhile is left alone. Under
// READ COMMITTED an UPDATE that waited for another one re-checks its WHERE against the row as that one
// left it, so of two callers making the same move only one sees its row changed. A request that will
// never run (denied, expired) forgets its withheld values in the same step.
const MOVE = `
  UPDATE approval_requests SET status = $3, decided_by = COALESCE($5, decided_by), updated_at = $4,
    withheld_args = CASE WHEN $3 IN ('denied', 'expired') THEN NULL ELSE withheld_args END
  WHERE id = $1 AND status = $2`;

export function postgresApprovals(db: Db): ApprovalStore {
  const find = async (sql: Sql, id: string): Promise<ApprovalRequest | undefined> => {
    const { rows } = await sql(`${SELECT_REQUEST} WHERE r.id = $1`, [id]);
    return rows[0] === undefined ? undefined : toRequest(rows[0]);
  };
  const must = async (sql: Sql, id: string): Promise<ApprovalRequest> => {
    const request = await find(sql, id);
    if (request === undefined) throw new Error(`approval request ${id} not found`);
    return request;
  };
  const move = async (
    sql: Sql,
    id: string,
    from: ApprovalStatus,
    to: ApprovalStatus,
    now: number,
    decidedBy?: string,
  ) => (await sql(MOVE, [id, from, to, now, decidedBy ?? null])).rowCount === 1;
  const list = async (where: string, params: unknown[]) =>
    (await db.query(`${SELECT_REQUEST} ${where}`, params)).rows.map(toRequest);

  /**
   * Approve and deny decide on what they read, so they first lock the request's row (FOR UPDATE) and
   * only then read it and its votes, in a statement of their own: under READ COMMITTED that statement
   * sees everything the previous holder of the lock committed. Two approvals of one request take turns;
   * approvals of different requests do not wait for each other.
   */
  const decide = <T>(id: string, body: (sql: Sql, request: ApprovalRequest) => Promise<T>) =>
    db.transaction(async (sql): Promise<T | { kind: "not-found" }> => {
      const locked = await sql("SELECT id FROM approval_requests WHERE id = $1 FOR UPDATE", [id]);
      if (locked.rowCount === 0) return { kind: "not-found" };
      return body(sql, await must(sql, id));
    });

  return {
    async create(request) {
      return db.transaction(async (sql) => {
        await sql(INSERT, toInsertParams(request));
        return must(sql, request.id);
      });
    },
    async get(id) {
      return find(db.query, id);
    },
    async setMessage(id, message) {
      await db.query("UPDATE approval_requests SET message_channel = $1, message_ts = $2 WHERE id = $3", [
        message.channelId,
        message.ts,
        id,
      ]);
    },
    async approve(id, userId, now) {
      return decide(id, async (sql, request): Promise<ApproveResult> => {
        if (request.status !== "pending") return { kind: "not-pending", request };
        if (now >= request.expiresAt) {
          await move(sql, id, "pending", "expired", now);
          return { kind: "expired", request: await must(sql, id) };
        }
        if (request.approvals.some((a) => a.userId === userId))
          return { kind: "already-approved-by-you", request };
        await sql("INSERT INTO approval_votes (request_id, user_id, at) VALUES ($1, $2, $3)", [
          id,
          userId,
          now,
        ]);
        const complete =
          request.approvals.length + 1 >= request.rule.required &&
          (await move(sql, id, "pending", "approved", now, userId));
        return { kind: "recorded", request: await must(sql, id), complete };
      });
    },
    async deny(id, userId, now) {
      return decide(id, async (sql, request): Promise<DenyResult> => {
        if (request.status !== "pending") return { kind: "not-pending", request };
        if (now >= request.expiresAt) {
          await move(sql, id, "pending", "expired", now);
          return { kind: "expired", request: await must(sql, id) };
        }
        await move(sql, id, "pending", "denied", now, userId);
        return { kind: "denied", request: await must(sql, id) };
      });
    },
    async claimForExecution(id, now, owner) {
      // One conditional UPDATE: the first caller moves approved → executing, every other one then finds
      // the row no longer approved. The read after it, in the same transaction, sees the claim; the
      // commit is durable with PostgreSQL's default synchronous_commit.
      return db.transaction(async (sql) => {
        const { rowCount } = await sql(
          `UPDATE approval_requests SET status = 'executing', owner = $3, updated_at = $2
           WHERE id = $1 AND status = 'approved'`,
          [id, now, owner],
        );
        return rowCount === 1 ? must(sql, id) : undefined;
      });
    },
    async takeOverInterrupted(staleAfterMs, newOwner, limit) {
      // SKIP LOCKED: of two survivors taking over at once, each gets the rows the other has not locked;
      // a row the other already re-owned is then a live process's, and left alone.
      return db.transaction(async (sql) => {
        const { rows } = await sql(
          `UPDATE approval_requests SET owner = $2 WHERE id IN (
             SELECT id FROM approval_requests
             WHERE status = 'executing' AND owner IS DISTINCT FROM $2 AND ${ownerGone("owner", "$1")}
             ORDER BY updated_at, rowid LIMIT $3 FOR UPDATE SKIP LOCKED)
           RETURNING id`,
          [staleAfterMs, newOwner, limit],
        );
        const ids = rows.map((row) => IdRow.parse(row).id);
        if (ids.length === 0) return [];
        const taken = await sql(`${SELECT_REQUEST} WHERE r.id = ANY($1) ORDER BY r.updated_at, r.rowid`, [
          ids,
        ]);
        return taken.rows.map(toRequest);
      });
    },
    async finish(id, outcome, now) {
      return db.transaction(async (sql) => {
        const { rowCount } = await sql(
          `UPDATE approval_requests SET status = $2, outcome = $3::jsonb, updated_at = $4, withheld_args = NULL
           WHERE id = $1 AND status = 'executing'`,
          [id, outcome.ok ? "succeeded" : "failed", json(outcome), now],
        );
        if (rowCount !== 1) throw new Error(`approval request ${id} is not executing`);
        return must(sql, id);
      });
    },
    async endPending(id, summary, now) {
      return db.transaction(async (sql) => {
        const { rowCount } = await sql(
          `UPDATE approval_requests SET status = 'expired', outcome = $2::jsonb, updated_at = $3,
             withheld_args = NULL
           WHERE id = $1 AND status = 'pending'`,
          [id, json({ ok: false, summary }), now],
        );
        return rowCount === 1 ? must(sql, id) : undefined;
      });
    },
    async expireDue(now) {
      return db.transaction(async (sql) => {
        // The rows are locked in the order of their ids, so that two replicas sweeping at once wait for
        // each other instead of deadlocking; a row another sweep expired meanwhile drops out.
        const { rows } = await sql(
          `UPDATE approval_requests SET status = 'expired', updated_at = $1, withheld_args = NULL
           WHERE status = 'pending' AND id IN (
             SELECT id FROM approval_requests WHERE status = 'pending' AND expires_at <= $1
             ORDER BY id FOR UPDATE)
           RETURNING id`,
          [now],
        );
        const ids = rows.map((row) => IdRow.parse(row).id);
        if (ids.length === 0) return [];
        const expired = await sql(`${SELECT_REQUEST} WHERE r.id = ANY($1) ORDER BY r.created_at, r.rowid`, [
          ids,
        ]);
        return expired.rows.map(toRequest);
      });
    },
    async listPending(limit) {
      return list("WHERE r.status = 'pending' ORDER BY r.created_at DESC, r.rowid DESC LIMIT $1", [limit]);
    },
    async countPending() {
      const { rows } = await db.query("SELECT count(*) AS n FROM approval_requests WHERE status = 'pending'");
      return CountRow.parse(rows[0]).n;
    },
    async listInStatus(status, limit) {
      return list("WHERE r.status = $1 ORDER BY r.updated_at, r.rowid LIMIT $2", [status, limit]);
    },
    async listByRequester(userId, limit) {
      return list("WHERE r.requester_id = $1 ORDER BY r.created_at DESC, r.rowid DESC LIMIT $2", [
        userId,
        limit,
      ]);
    },
  };
}
