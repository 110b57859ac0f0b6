import type Database from "better-sqlite3";
import { z } from "zod";
import type { ApprovalRequest, ApprovalStatus, ApprovalStore, ApproveResult, DenyResult } from "../types.js";
import { toInsertParams, toRequest } from "./approval-row.js";
import { withFullSync } from "./full-sync.js";
import { ownerGone } from "./processes.js";

const IdRow = z.object({ id: z.string() });
const CountRow = z.object({ n: z.number().int() });

export function sqliteApprovals(db: Database.Database): ApprovalStore {
  const sql = {
    insert: db.prepare(`
      INSERT INTO approval_requests (id, correlation_id, operation_id, args, raw_args, target, fingerprint,
        requester_id, requester_identity, channel_id, rule, force, status, created_at, expires_at, updated_at,
        withheld_args)
      VALUES (@id, @correlation_id, @operation_id, @args, @raw_args, @target, @fingerprint,
        @requester_id, @requester_identity, @channel_id, @rule, @force, 'pending', @created_at, @expires_at, @created_at,
        @withheld_args)`),
    get: db.prepare("SELECT * FROM approval_requests WHERE id = ?"),
    votes: db.prepare("SELECT user_id, at FROM approval_votes WHERE request_id = ? ORDER BY at, rowid"),
    setMessage: db.prepare("UPDATE approval_requests SET message_channel = ?, message_ts = ? WHERE id = ?"),
    vote: db.prepare("INSERT INTO approval_votes (request_id, user_id, at) VALUES (?, ?, ?)"),
    // Every transition names the status it leaves: a request that moved on meanwhile is left alone. One
    // that will never run (denied, expired) forgets its withheld values in the same step.
    move: db.prepare(`
      UPDATE approval_requests SET status = @to, decided_by = COALESCE(@decided_by, decided_by), updated_at = @now,
        withheld_args = CASE WHEN @to IN ('denied', 'expired') THEN NULL ELSE withheld_args END
      WHERE id = @id AND status = @from`),
    claim: db.prepare(`
      UPDATE approval_requests SET status = 'executing', owner = @owner, updated_at = @now
      WHERE id = @id AND status = 'approved'`),
    interrupted: db.prepare(`
      SELECT id FROM approval_requests
      WHERE status = 'executing' AND owner IS NOT @owner AND ${ownerGone("owner")}
      ORDER BY updated_at, rowid LIMIT @limit`),
    reown: db.prepare("UPDATE approval_requests SET owner = ? WHERE id = ?"),
    finish: db.prepare(`
      UPDATE approval_requests SET status = @to, outcome = @outcome, updated_at = @now, withheld_args = NULL
      WHERE id = @id AND status = 'executing'`),
    end: db.prepare(`
      UPDATE approval_requests SET status = 'expired', outcome = @outcome, updated_at = @now, withheld_args = NULL
      WHERE id = @id AND status = 'pending'`),
    due: db.prepare(
      "SELECT id FROM approval_requests WHERE status = 'pending' AND expires_at <= ? ORDER BY created_at, rowid",
    ),
    pending: db.prepare(
      "SELECT * FROM approval_requests WHERE status = 'pending' ORDER BY created_at DESC, rowid DESC LIMIT ?",
    ),
    countPending: db.prepare("SELECT count(*) AS n FROM approval_requests WHERE status = 'pending'"),
    inStatus: db.prepare(
      "SELECT * FROM approval_requests WHERE status = ? ORDER BY updated_at, rowid LIMIT ?",
    ),
    byRequester: db.prepare(
      "SELECT * FROM approval_requests WHERE requester_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?",
    ),
  };

  const read = (row: unknown): ApprovalRequest => toRequest(row, sql.votes.all(IdRow.parse(row).id));
  const find = (id: string): ApprovalRequest | undefined => {
    const row = sql.get.get(id);
    return row === undefined ? undefined : read(row);
  };
  const must = (id: string): ApprovalRequest => {
    const request = find(id);
    if (request === undefined) throw new Error(`approval request ${id} not found`);
    return request;
  };
  const move = (id: string, from: ApprovalStatus, to: ApprovalStatus, now: number, decidedBy?: string) =>
    sql.move.run({ id, from, to, now, decided_by: decidedBy ?? null }).changes === 1;

  // Each step below is one transaction started with BEGIN IMMEDIATE: it takes the write lock before it
  // reads, so two connections (two handlers, two processes) never both see "pending" and both act on it.
  const txn = {
    create: db.transaction((params: ReturnType<typeof toInsertParams>) => {
      sql.insert.run(params);
      return must(params.id);
    }),
    approve: db.transaction((id: string, userId: string, now: number): ApproveResult => {
      const request = find(id);
      if (request === undefined) return { kind: "not-found" };
      if (request.status !== "pending") return { kind: "not-pending", request };
      if (now >= request.expiresAt) {
        move(id, "pending", "expired", now);
        return { kind: "expired", request: must(id) };
      }
      if (request.approvals.some((a) => a.userId === userId))
        return { kind: "already-approved-by-you", request };
      sql.vote.run(id, userId, now);
      const complete =
        request.approvals.length + 1 >= request.rule.required && move(id, "pending", "approved", now, userId);
      return { kind: "recorded", request: must(id), complete };
    }),
    deny: db.transaction((id: string, userId: string, now: number): DenyResult => {
      const request = find(id);
      if (request === undefined) return { kind: "not-found" };
      if (request.status !== "pending") return { kind: "not-pending", request };
      if (now >= request.expiresAt) {
        move(id, "pending", "expired", now);
        return { kind: "expired", request: must(id) };
      }
      move(id, "pending", "denied", now, userId);
      return { kind: "denied", request: must(id) };
    }),
    claim: db.transaction((id: string, now: number, owner: string) =>
      sql.claim.run({ id, now, owner }).changes === 1 ? must(id) : undefined,
    ),
    // Under the write lock (IMMEDIATE) from the read to the re-owning: no other process slips between.
    takeOver: db.transaction((staleAfterMs: number, owner: string, limit: number) =>
      sql.interrupted.all({ stale_after_ms: staleAfterMs, owner, limit }).map((row) => {
        const { id } = IdRow.parse(row);
        sql.reown.run(owner, id);
        return must(id);
      }),
    ),
    finish: db.transaction((id: string, outcome: string, ok: boolean, now: number) => {
      const changes = sql.finish.run({ id, to: ok ? "succeeded" : "failed", outcome, now }).changes;
      if (changes !== 1) throw new Error(`approval request ${id} is not executing`);
      return must(id);
    }),
    end: db.transaction((id: string, outcome: string, now: number) =>
      sql.end.run({ id, outcome, now }).changes === 1 ? must(id) : undefined,
    ),
    // Reads also run in a (deferred) transaction, so a request and its votes come from one snapshot.
    get: db.transaction((id: string) => find(id)),
    list: db.transaction((rows: () => unknown[]) => rows().map(read)),
    expireDue: db.transaction((now: number) =>
      sql.due
        .all(now)
        .map((row) => IdRow.parse(row).id)
        .filter((id) => move(id, "pending", "expired", now))
        .map(must),
    ),
  };

  return {
    async create(request) {
      return txn.create.immediate(toInsertParams(request));
    },
    async get(id) {
      return txn.get.deferred(id);
    },
    async setMessage(id, message) {
      sql.setMessage.run(message.channelId, message.ts, id);
    },
    async approve(id, userId, now) {
      return txn.approve.immediate(id, userId, now);
    },
    async deny(id, userId, now) {
      return txn.deny.immediate(id, userId, now);
    },
    async claimForExecution(id, now, owner) {
      // The one commit that must survive a power loss: after it, the backend may be called.
      return withFullSync(db, () => txn.claim.immediate(id, now, owner));
    },
    async takeOverInterrupted(staleAfterMs, newOwner, limit) {
      return txn.takeOver.immediate(staleAfterMs, newOwner, limit);
    },
    async finish(id, outcome, now) {
      return txn.finish.immediate(id, JSON.stringify(outcome), outcome.ok, now);
    },
    async endPending(id, summary, now) {
      return txn.end.immediate(id, JSON.stringify({ ok: false, summary }), now);
    },
    async expireDue(now) {
      return txn.expireDue.immediate(now);
    },
    async listPending(limit) {
      return txn.list.deferred(() => sql.pending.all(limit));
    },
    async countPending() {
      return CountRow.parse(sql.countPending.get()).n;
    },
    async listInStatus(status, limit) {
      return txn.list.deferred(() => sql.inStatus.all(status, limit));
    },
    async listByRequester(userId, limit) {
      return txn.list.deferred(() => sql.byRequester.all(userId, limit));
    },
  };
}
