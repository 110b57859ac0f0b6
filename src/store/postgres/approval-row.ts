import { z } from "zod";
import type { ApprovalRequest, NewApprovalRequest } from "../types.js";
import { defined, Int8Text, JsonObject, json } from "./rows.js";

export const RuleSchema = z.object({
  index: z.number().int().min(0),
  name: z.string(),
  required: z.number().int().min(1),
  allowSelfApproval: z.boolean(),
  id: z.string().optional(),
  named: z.boolean().optional(),
  digest: z.string().optional(),
});

const ArgValues = z.record(z.string(), z.union([z.string(), z.array(z.string())]));

const Outcome = z.object({ ok: z.boolean(), summary: z.string(), durationMs: z.number().optional() });

/**
 * A request's columns and its votes, read by one statement so that both come from one snapshot. The
 * votes are a JSON array of [user, at] in the order given, `at` as text to keep every digit.
 */
export const SELECT_REQUEST = `
  SELECT r.*, COALESCE(
    (SELECT json_agg(json_build_array(v.user_id, v.at::text) ORDER BY v.at, v.rowid)
      FROM approval_votes v WHERE v.request_id = r.id),
    '[]') AS votes
  FROM approval_requests r`;

/** A row of SELECT_REQUEST as node-postgres hands it back. */
const Row = z.object({
  id: z.string(),
  correlation_id: z.string(),
  operation_id: z.string(),
  args: JsonObject,
  raw_args: ArgValues,
  target: z.object({ namespace: z.string().optional(), allocation: z.string().optional() }),
  fingerprint: z.string(),
  requester_id: z.string(),
  requester_identity: z.string().nullable(),
  channel_id: z.string(),
  rule: RuleSchema,
  force: z.boolean(),
  status: z.enum(["pending", "approved", "executing", "succeeded", "failed", "denied", "expired"]),
  decided_by: z.string().nullable(),
  created_at: z.number(),
  expires_at: z.number(),
  updated_at: z.number(),
  message_channel: z.string().nullable(),
  message_ts: z.string().nullable(),
  outcome: Outcome.nullable(),
  owner: z.string().nullable(),
  withheld_args: ArgValues.nullable(),
  votes: z.array(z.tuple([z.string(), Int8Text])),
});

export function toRequest(row: unknown): ApprovalRequest {
  const parsed = Row.parse(row);
  return {
    id: parsed.id,
    correlationId: parsed.correlation_id,
    operationId: parsed.operation_id,
    args: parsed.args,
    rawArgs: parsed.raw_args,
    target: defined(parsed.target),
    fingerprint: parsed.fingerprint,
    requesterId: parsed.requester_id,
    ...(parsed.requester_identity === null ? {} : { requesterIdentity: parsed.requester_identity }),
    channelId: parsed.channel_id,
    rule: {
      index: parsed.rule.index,
      name: parsed.rule.name,
      required: parsed.rule.required,
      allowSelfApproval: parsed.rule.allowSelfApproval,
      ...defined({ id: parsed.rule.id, named: parsed.rule.named, digest: parsed.rule.digest }),
    },
    force: parsed.force,
    status: parsed.status,
    approvals: parsed.votes.map(([userId, at]) => ({ userId, at })),
    ...(parsed.decided_by === null ? {} : { decidedBy: parsed.decided_by }),
    createdAt: parsed.created_at,
    expiresAt: parsed.expires_at,
    updatedAt: parsed.updated_at,
    ...(parsed.message_channel !== null && parsed.message_ts !== null
      ? { message: { channelId: parsed.message_channel, ts: parsed.message_ts } }
      : {}),
    ...(parsed.outcome === null
      ? {}
      : {
          outcome: {
            ok: parsed.outcome.ok,
            summary: parsed.outcome.summary,
            ...defined({ durationMs: parsed.outcome.durationMs }),
          },
        }),
    ...(parsed.owner === null ? {} : { owner: parsed.owner }),
    ...(parsed.withheld_args === null ? {} : { withheldArgs: parsed.withheld_args }),
  };
}

/** The INSERT's parameters, in column order; the rule is checked here so a bad one fails at create. */
export function toInsertParams(request: NewApprovalRequest): unknown[] {
  return [
    request.id,
    request.correlationId,
    request.operationId,
    json(request.args),
    json(request.rawArgs),
    json(request.target),
    request.fingerprint,
    request.requesterId,
    request.requesterIdentity ?? null,
    request.channelId,
    json(RuleSchema.parse(request.rule)),
    request.force === true,
    request.createdAt,
    request.expiresAt,
    request.withheldArgs === undefined ? null : json(request.withheldArgs),
  ];
}
