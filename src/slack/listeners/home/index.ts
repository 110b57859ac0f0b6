import type { App } from "@slack/bolt";
import { homeView } from "../../../blocks/home.js";
import { DEFAULT_POLICY_NOTE } from "../../../core/policy/policy.js";
import type { HandlerDeps } from "../deps.js";

/** The App Home tab, published each time the person opens it. */
export function register(app: App, deps: HandlerDeps): void {
  app.event("app_home_opened", async ({ event, client }) => {
    if (event.tab !== "home") return;
    const userId = event.user;
    const [pending, mine, operations] = await Promise.all([
      deps.store.approvals.listPending(100),
      deps.store.approvals.listByRequester(userId, 10),
      deps.store.followUps.listByRequester(userId, 15),
    ]);
    const waitingForYou = [];
    for (const request of pending) {
      const rule = deps.access.ruleNamed(request.rule.name);
      const self = request.requesterId === userId && !request.rule.allowSelfApproval;
      if (!rule || self || request.approvals.some((a) => a.userId === userId)) continue;
      if (await deps.access.mayApprove(rule, userId, request.channelId)) waitingForYou.push(request);
    }
    const card = (r: (typeof pending)[number]) => ({
      id: r.id,
      operationId: r.operationId,
      requesterId: r.requesterId,
      channelId: r.channelId,
      status: r.status,
      expiresAt: r.expiresAt,
      approvals: r.approvals.length,
      required: r.rule.required,
    });
    await client.views.publish({
      user_id: userId,
      view: homeView({
        waitingForYou: waitingForYou.map(card),
        yourRequests: mine.map(card),
        yourOperations: operations.map((f) => ({
          id: f.id,
          operationId: f.operationId,
          title: f.title,
          channelId: f.channelId,
          status: f.status,
          ...(f.state ? { state: f.state } : {}),
          startedAt: f.startedAt,
        })),
        policyNote:
          deps.access.policy.source === "default"
            ? DEFAULT_POLICY_NOTE
            : "Type /ops help in any channel opsbot is in. /ops whoami shows your roles there.",
      }),
    });
  });
}
