import type { ApprovalRequest } from "../../store/types.js";
import type { ApprovalDeskDeps } from "./deps.js";

/** One audit row about a request: its decisions, its expiry and its run. */
export async function auditRequest(
  deps: Pick<ApprovalDeskDeps, "audit">,
  request: ApprovalRequest,
  kind: "approval.approved" | "approval.denied" | "approval.expired" | "execution",
  userId: string,
  outcome: string,
  detail?: string,
): Promise<void> {
  await deps.audit.record({
    kind,
    correlationId: request.correlationId,
    operationId: request.operationId,
    args: request.rawArgs,
    userId,
    channelId: request.channelId,
    outcome,
    detail: detail ?? request.id,
  });
}
