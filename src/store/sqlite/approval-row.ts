import { z } from "zod";
import type { ApprovalRequest, NewApprovalRequest } from "../types.js";
import { JsonObject, jsonColumn } from "./json.js";

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

/** A row of approval_requests as SQLite hands it back. */
const Row = z.object({
  id: z.string(),
  correlation_id: z.string(),
  operation_id: z.string(),
  args: jsonColumn(JsonObject),
  raw_args: jsonColumn(ArgValues),
  target: jsonColumn(z.object({ namespace: z.string().optional(), allocation: z.string().optional() })),
  fingerprint: z.string(),
  requester_id: z.string(),
  requester_identity: z.string().nullable(),
  channel_id: z.string(),
  rule: jsonColumn(RuleSchema),
  force: z.union([z.literal(0), z.literal(1)]),
  status: z.enum(["pending", "approved", "executing", "succeeded", "failed", "denied", "expired"]),
  decided_by: z.string().nullable(),
  created_at: z.number(),
  expires_at: z.number(),
  updated_at: z.number(),
  message_channel: z.string().nullable(),
  message_ts: z.string().nullable(),
  outcome: jsonColumn(Outcome).nullable(),
  owner: z.string().nullable(),
  withheld_args: jsonColumn(ArgValues).nullable(),
});

export const VoteRow = z.object({ user_id: z.string(), at: z.number() });

/** Drops `undefined` members: with exactOptionalPropertyTypes an absent field is not an undefined one. */
function defined<T extends Record<string, unknown>>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

export function toRequest(row: unknown, votes: readonly unknown[]): ApprovalRequest {
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
    force: parsed.force === 1,
    status: parsed.status,
    approvals: votes.map((voteRow) => {
      const vote = VoteRow.parse(voteRow);
      return { userId: vote.user_id, at: vote.at };
    }),
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

/** The named parameters of the INSERT; the rule is checked here so a bad one fails at create, not at read. */
export function toInsertParams(request: NewApprovalRequest) {
  return {
    id: request.id,
    correlation_id: request.correlationId,
    operation_id: request.operationId,
    args: JSON.stringify(request.args),
    raw_args: JSON.stringify(request.rawArgs),
    target: JSON.stringify(request.target),
    fingerprint: request.fingerprint,
    requester_id: request.requesterId,
    requester_identity: request.requesterIdentity ?? null,
    channel_id: request.channelId,
    rule: JSON.stringify(RuleSchema.parse(request.rule)),
    force: request.force === true ? 1 : 0,
    created_at: request.createdAt,
    expires_at: request.expiresAt,
    withheld_args: request.withheldArgs === undefined ? null : JSON.stringify(request.withheldArgs),
  };
}
