import type { ApprovalButtonValue } from "../../blocks/approval.js";
import { channelMention, escapeMrkdwn, inlineCode, userMention } from "../../blocks/text.js";
import type { ApprovalRequest } from "../../store/types.js";
import { type ApprovalRule, approversText } from "../policy/policy.js";
import { auditRequest } from "./audit-trail.js";
import { showRequest } from "./card.js";
import type { ApprovalDeskDeps } from "./deps.js";
import { runApproved } from "./running.js";

/** A click on Approve or Deny. */
export interface ApprovalClick {
  readonly value: ApprovalButtonValue;
  readonly userId: string;
  readonly channelId: string;
  /** Tells the clicker privately. */
  readonly tell: (text: string) => Promise<unknown>;
}

/**
 * Records an approval; the click that completes the request runs it. `inHand` holds the requests this
 * process is running, so that the sweep leaves them to their click.
 */
export async function approve(
  deps: ApprovalDeskDeps,
  inHand: Set<string>,
  click: ApprovalClick,
): Promise<void> {
  const checked = await checkClick(deps, click, "approve");
  if (!checked) return;
  const { request, rule } = checked;
  const result = await deps.store.approvals.approve(request.id, click.userId, deps.now());
  switch (result.kind) {
    case "not-found":
      await click.tell("This approval request no longer exists.");
      return;
    case "already-approved-by-you":
      await click.tell("You have already approved this request; it needs another approver.");
      return;
    case "not-pending":
      await click.tell(`This request is already ${result.request.status}.`);
      return;
    case "expired":
      await showRequest(deps, result.request, rule);
      await click.tell("This request has expired; nothing was run.");
      await auditRequest(deps, result.request, "approval.expired", click.userId, "expired");
      return;
    case "recorded":
      await auditRequest(
        deps,
        result.request,
        "approval.approved",
        click.userId,
        result.complete ? "complete" : "recorded",
      );
      if (!result.complete) {
        await showRequest(deps, result.request, rule);
        return;
      }
      // The request is shown as running by runApproved; no need to show "approved" first.
      inHand.add(result.request.id);
      try {
        await decided(deps, result.request, `approved by ${mentions(result.request)}`);
        await runApproved(deps, result.request, rule);
      } finally {
        inHand.delete(result.request.id);
      }
  }
}

export async function deny(deps: ApprovalDeskDeps, click: ApprovalClick): Promise<void> {
  const checked = await checkClick(deps, click, "deny");
  if (!checked) return;
  const result = await deps.store.approvals.deny(checked.request.id, click.userId, deps.now());
  if (result.kind === "not-found") return void (await click.tell("This approval request no longer exists."));
  if (result.kind === "not-pending")
    return void (await click.tell(`This request is already ${result.request.status}.`));
  await showRequest(deps, result.request, checked.rule);
  await auditRequest(
    deps,
    result.request,
    result.kind === "denied" ? "approval.denied" : "approval.expired",
    click.userId,
    result.kind,
  );
  if (result.kind === "denied") await decided(deps, result.request, `denied by ${userMention(click.userId)}`);
}

async function decided(deps: ApprovalDeskDeps, request: ApprovalRequest, how: string): Promise<void> {
  await deps.notifier.notify(
    "approval.decided",
    `🔐 The request of ${userMention(request.requesterId)} to run ${inlineCode(request.operationId)} in ${channelMention(request.channelId)} was ${how}.`,
    [request.channelId],
  );
}

/** The button must match its request, the clicker must be an approver, and not the requester. */
async function checkClick(
  deps: ApprovalDeskDeps,
  click: ApprovalClick,
  action: "approve" | "deny",
): Promise<{ request: ApprovalRequest; rule: ApprovalRule } | undefined> {
  const request = await deps.store.approvals.get(click.value.requestId);
  const refuse = async (message: string) => {
    await deps.audit.record({
      kind: "refusal",
      correlationId: request?.correlationId ?? click.value.requestId,
      ...(request ? { operationId: request.operationId } : {}),
      userId: click.userId,
      channelId: click.channelId,
      outcome: `${action}-refused`,
      detail: message,
    });
    await click.tell(`⛔ ${message}`);
    return undefined;
  };
  if (!request) return refuse("This approval request no longer exists.");
  if (request.fingerprint !== click.value.fingerprint)
    return refuse("This button does not match the request it names; nothing was approved.");
  const rule = deps.access.ruleOf(request.rule);
  if (!rule) {
    await endRuleGone(deps, request, click);
    return undefined;
  }
  const self = click.userId === request.requesterId;
  if (self && action === "approve" && !request.rule.allowSelfApproval)
    return refuse("You cannot approve your own request: another approver has to.");
  // The requester may withdraw their own request; everyone else needs to be an approver.
  if (!(self && action === "deny") && !(await deps.access.mayApprove(rule, click.userId, click.channelId)))
    return refuse(`Only ${approversText(rule)} may ${action} this request.`);
  return { request, rule };
}

/**
 * The rule a request was created under left the permissions file (or moved or changed without an
 * `id` to follow it): nobody can approve it now, so it ends, saying why, rather than wait for nobody.
 */
async function endRuleGone(
  deps: ApprovalDeskDeps,
  request: ApprovalRequest,
  click: ApprovalClick,
): Promise<void> {
  if (request.status !== "pending")
    return void (await click.tell(`This request is already ${request.status}.`));
  const summary = `the approval rule "${request.rule.name}" was removed from the permissions file (or moved or changed without an \`id\`), so nobody can approve this; ask again.`;
  const ended = await deps.store.approvals.endPending(request.id, summary, deps.now());
  if (!ended) {
    const now = await deps.store.approvals.get(request.id);
    return void (await click.tell(`This request is already ${now?.status ?? "gone"}.`));
  }
  await showRequest(deps, ended, undefined);
  await auditRequest(deps, ended, "approval.expired", click.userId, "rule-gone", summary);
  await click.tell(`⌛ This request has ended: ${escapeMrkdwn(summary)} Nothing was run.`);
}

function mentions(request: ApprovalRequest): string {
  return request.approvals.map((a) => userMention(a.userId)).join(", ");
}
