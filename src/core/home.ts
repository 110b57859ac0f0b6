import type { HomeContent } from "../blocks/home.js";
import type { ApprovalRequest, Store } from "../store/types.js";
import type { AccessControl } from "./policy/access.js";
import { DEFAULT_POLICY_NOTE } from "./policy/policy.js";

export interface HomeDeps {
  readonly store: Pick<Store, "approvals" | "followUps">;
  readonly access: Pick<AccessControl, "ruleOf" | "mayApprove" | "policy">;
}

/** What someone's App Home shows: requests they may decide, their own requests and operations. */
export async function homeContent(deps: HomeDeps, userId: string): Promise<HomeContent> {
  const [pending, mine, operations] = await Promise.all([
    deps.store.approvals.listPending(100),
    deps.store.approvals.listByRequester(userId, 10),
    deps.store.followUps.listByRequester(userId, 15),
  ]);
  const waitingForYou: ApprovalRequest[] = [];
  for (const request of pending) {
    const rule = deps.access.ruleOf(request.rule);
    const self = request.requesterId === userId && !request.rule.allowSelfApproval;
    if (!rule || self || request.approvals.some((a) => a.userId === userId)) continue;
    if (await deps.access.mayApprove(rule, userId, request.channelId)) waitingForYou.push(request);
  }
  const card = (request: ApprovalRequest) => ({
    id: request.id,
    operationId: request.operationId,
    requesterId: request.requesterId,
    channelId: request.channelId,
    status: request.status,
    expiresAt: request.expiresAt,
    approvals: request.approvals.length,
    required: request.rule.required,
  });
  return {
    waitingForYou: waitingForYou.map(card),
    yourRequests: mine.map(card),
    yourOperations: operations.map((followUp) => ({
      id: followUp.id,
      operationId: followUp.operationId,
      title: followUp.title,
      channelId: followUp.channelId,
      status: followUp.status,
      ...(followUp.state ? { state: followUp.state } : {}),
      startedAt: followUp.startedAt,
    })),
    policyNote:
      deps.access.policy.source === "default"
        ? DEFAULT_POLICY_NOTE
        : "Type /ops help in any channel opsbot is in. /ops whoami shows your roles there.",
  };
}
