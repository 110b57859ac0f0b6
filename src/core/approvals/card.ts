import { type ApprovalCard, approvalMessage } from "../../blocks/approval.js";
import type { AnyOperation } from "../../catalogue/define.js";
import { commandLineOf } from "../../catalogue/parse.js";
import { displayArgs } from "../../catalogue/sensitive.js";
import type { ApprovalRequest, Lock } from "../../store/types.js";
import { activeLock } from "../locks.js";
import { type ApprovalRule, approversText } from "../policy/policy.js";
import type { ApprovalDeskDeps } from "./deps.js";

/** What the request message shows, from the request as stored. */
export function cardOf(
  request: ApprovalRequest,
  operation: AnyOperation | undefined,
  rule: ApprovalRule | undefined,
  lock: Lock | undefined,
): ApprovalCard {
  return {
    id: request.id,
    status: request.status,
    // Sensitive values as digests: approvers compare requests by them without seeing the values.
    commandLine: operation
      ? commandLineOf(operation, displayArgs(operation, request.rawArgs))
      : request.operationId,
    operationId: request.operationId,
    requesterId: request.requesterId,
    ...(request.requesterIdentity ? { identity: request.requesterIdentity } : {}),
    ruleName: request.rule.name,
    required: request.rule.required,
    approvals: request.approvals,
    approvers: rule ? approversText(rule) : "nobody (the rule is gone)",
    expiresAt: request.expiresAt,
    correlationId: request.correlationId,
    ...(request.decidedBy ? { decidedBy: request.decidedBy } : {}),
    ...(request.outcome ? { outcome: request.outcome } : {}),
    ...(request.force
      ? { force: { lockedBy: lock?.lockedBy ?? "?", reason: lock?.reason ?? "(lock since removed)" } }
      : {}),
  };
}

/** Updates the request message to the request's current state. */
export async function showRequest(
  deps: ApprovalDeskDeps,
  request: ApprovalRequest,
  rule: ApprovalRule | undefined,
): Promise<void> {
  if (!request.message) return;
  const operation = deps.catalogue.byId(request.operationId);
  const lock =
    request.force && request.target
      ? await activeLock(deps.store.locks, request.target, deps.now())
      : undefined;
  const message = approvalMessage(cardOf(request, operation, rule, lock), request.fingerprint);
  await deps.poster
    .update(
      { channel: request.message.channelId, ts: request.message.ts },
      { text: message.text, blocks: message.blocks },
      { critical: request.status !== "pending" },
    )
    .catch((error: unknown) =>
      deps.logger.warn({ err: error, request: request.id }, "the approval message could not be updated"),
    );
}
