import type Database from "better-sqlite3";
import { z } from "zod";
import type {
  ApprovalRequest,
  ApprovalStore,
  ApproveResult,
  DenyResult,
  NewApprovalRequest,
} from "../types.js";

// Rows are read back through zod: the database file is a boundary like any other input.
const json = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "not JSON" });
        return z.NEVER;
      }
    })
    .pipe(schema);

const Row = z.object({
  id: z.string(),
  correlation_id: z.string(),
  operation_id: z.string(),
  raw_args: json(z.record(z.string(), z.union([z.string(), z.array(z.string())]))),
  target: json(z.object({ namespace: z.string().optional(), allocation: z.string().optional() })),
  fingerprint: z.string(),
  requester_id: z.string(),
  requester_identity: z.string().nullable(),
  channel_id: z.string(),
  rule: json(
    z.object({
      index: z.number().int(),
      name: z.string(),
      required: z.number().int().min(1),
      allowSelfApproval: z.boolean(),
    }),
  ),
  force: z.number().int(),
  status: z.enum(["pending", "approved", "executing", "succeeded", "failed", "denied", "expired"]),
  decided_by: z.string().nullable(),
  created_at: z.number(),
  expires_at: z.number(),
  updated_at: z.number(),
  message_channel: z.string().nullable(),
  message_ts: z.string().nullable(),
  outcome: json(
    z.object({ ok: z.boolean(), summary: z.string(), durationMs: z.number().optional() }),
  ).nullable(),
});

const Vote = z.object({ user_id: z.string(), at: z.number() });

export function sqliteApprovals(db: Database.Database): ApprovalStore {
  const statements = {
    insert: db.prepare(`
      INSERT INTO approval_requests (id, correlation_id, operation_id, raw_args, target, fingerprint, requester_id,
        requester_identity, channel_id, rule, force, status, created_at, expires_at, updated_at)
      VALUES (@id, @correlation_id, @operation_id, @raw_args, @target, @fingerprint, @requester_id,
        @requester_identity, @channel_id, @rule, @force, 'pending', @created_at, @expires_at, @created_at)`),
    get: db.prepare("SELECT * FROM approval_requests WHERE id = ?"),
    votes: db.prepare("SELECT user_id, at FROM approval_votes WHERE request_id = ? ORDER BY at, user_id"),
    setMessage: db.prepare("UPDATE approval_requests SET message_channel = ?, message_ts = ? WHERE id = ?"),
    vote: db.prepare("INSERT OR IGNORE INTO approval_votes (request_id, user_id, at) VALUES (?, ?, ?)"),
    setStatus: db.prepare(
      "UPDATE approval_requests SET status = @to, decided_by = COALESCE(@decided_by, decided_by), updated_at = @now WHERE id = @id AND status = @from",
    ),
    finish: db.prepare(
      "UPDATE approval_requests SET status = @to, outcome = @outcome, updated_at = @now WHERE id = @id AND status = 'executing'",
    ),
    due: db.prepare("SELECT id FROM approval_requests WHERE status = 'pending' AND expires_at <= ?"),
    pending: db.prepare(
      "SELECT * FROM approval_requests WHERE status = 'pending' ORDER BY created_at DESC LIMIT ?",
    ),
    byRequester: db.prepare(
      "SELECT * FROM approval_requests WHERE requester_id = ? ORDER BY created_at DESC LIMIT ?",
    ),
  };

  const read = (row: unknown): ApprovalRequest => {
    const r = Row.parse(row);
    const approvals = statements.votes.all(r.id).map((v) => {
      const vote = Vote.parse(v);
      return { userId: vote.user_id, at: vote.at };
    });
    return {
      id: r.id,
      correlationId: r.correlation_id,
      operationId: r.operation_id,
      rawArgs: r.raw_args,
      target: {
        ...(r.target.namespace === undefined ? {} : { namespace: r.target.namespace }),
        ...(r.target.allocation === undefined ? {} : { allocation: r.target.allocation }),
      },
      fingerprint: r.fingerprint,
      requesterId: r.requester_id,
      ...(r.requester_identity === null ? {} : { requesterIdentity: r.requester_identity }),
      channelId: r.channel_id,
      rule: r.rule,
      force: r.force === 1,
      status: r.status,
      approvals,
      ...(r.decided_by === null ? {} : { decidedBy: r.decided_by }),
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      updatedAt: r.updated_at,
      ...(r.message_channel && r.message_ts
        ? { message: { channelId: r.message_channel, ts: r.message_ts } }
        : {}),
      ...(r.outcome === null ? {} : { outcome: r.outcome }),
    };
  };
  const find = (id: string): ApprovalRequest | undefined => {
    const row = statements.get.get(id);
    return row === undefined ? undefined : read(row);
  };
  const must = (id: string): ApprovalRequest => {
    const request = find(id);
    if (!request) throw new Error(`approval request ${id} vanished`);
    return request;
  };
  const move = (id: string, from: string, to: string, now: number, decidedBy?: string) =>
    statements.setStatus.run({ id, from, to, now, decided_by: decidedBy ?? null }).changes === 1;

  // IMMEDIATE transactions take the write lock first, so two connections never both read "pending"
  // and then both write.
  const approve = db.transaction((id: string, userId: string, now: number): ApproveResult => {
    const request = find(id);
    if (!request) return { kind: "not-found" };
    if (request.status !== "pending") return { kind: "not-pending", request };
    if (now >= request.expiresAt) {
      move(id, "pending", "expired", now);
      return { kind: "expired", request: must(id) };
    }
    if (request.approvals.some((a) => a.userId === userId))
      return { kind: "already-approved-by-you", request };
    statements.vote.run(id, userId, now);
    const votes = request.approvals.length + 1;
    const complete = votes >= request.rule.required && move(id, "pending", "approved", now, userId);
    return { kind: "recorded", request: must(id), complete };
  });

  const deny = db.transaction((id: string, userId: string, now: number): DenyResult => {
    const request = find(id);
    if (!request) return { kind: "not-found" };
    if (request.status !== "pending") return { kind: "not-pending", request };
    if (now >= request.expiresAt) {
      move(id, "pending", "expired", now);
      return { kind: "expired", request: must(id) };
    }
    move(id, "pending", "denied", now, userId);
    return { kind: "denied", request: must(id) };
  });

  const expireDue = db.transaction((now: number): ApprovalRequest[] => {
    const ids = statements.due.all(now).map((row) => z.object({ id: z.string() }).parse(row).id);
    return ids.filter((id) => move(id, "pending", "expired", now)).map(must);
  });

  return {
    async create(request: NewApprovalRequest) {
      statements.insert.run({
        id: request.id,
        correlation_id: request.correlationId,
        operation_id: request.operationId,
        raw_args: JSON.stringify(request.rawArgs),
        target: JSON.stringify(request.target),
        fingerprint: request.fingerprint,
        requester_id: request.requesterId,
        requester_identity: request.requesterIdentity ?? null,
        channel_id: request.channelId,
        rule: JSON.stringify(request.rule),
        force: request.force ? 1 : 0,
        created_at: request.createdAt,
        expires_at: request.expiresAt,
      });
      return must(request.id);
    },
    async get(id) {
      return find(id);
    },
    async setMessage(id, message) {
      statements.setMessage.run(message.channelId, message.ts, id);
    },
    async approve(id, userId, now) {
      return approve.immediate(id, userId, now);
    },
    async deny(id, userId, now) {
      return deny.immediate(id, userId, now);
    },
    async claimForExecution(id, now) {
      return move(id, "approved", "executing", now) ? must(id) : undefined;
    },
    async finish(id, outcome, now) {
      const changed = statements.finish.run({
        id,
        to: outcome.ok ? "succeeded" : "failed",
        outcome: JSON.stringify(outcome),
        now,
      }).changes;
      if (changed !== 1) throw new Error(`approval request ${id} is not executing`);
      return must(id);
    },
    async expireDue(now) {
      return expireDue.immediate(now);
    },
    async listPending(limit) {
      return statements.pending.all(limit).map(read);
    },
    async listByRequester(userId, limit) {
      return statements.byRequester.all(userId, limit).map(read);
    },
  };
}
