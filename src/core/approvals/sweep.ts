import { channelMention, inlineCode, userMention } from "../../blocks/text.js";
import { auditRequest } from "./audit-trail.js";
import { showRequest } from "./card.js";
import type { ApprovalDeskDeps } from "./deps.js";
import { runApproved } from "./running.js";

/**
 * At start-up and at each sweep: requests still `executing` whose process is gone (stopped, or its
 * heartbeat older than the stale limit) were cut off by its end; a live replica's are left to it. Whether
 * the call took effect is unknown, so they are ended as failed with that said plainly, never run again;
 * each is taken over first, so that of two survivors one ends it. Returns how many.
 */
export async function recoverInterrupted(deps: ApprovalDeskDeps): Promise<number> {
  const interrupted = await deps.store.approvals.takeOverInterrupted(deps.staleAfterMs, deps.processId, 500);
  for (const request of interrupted) {
    const summary =
      "opsbot stopped while running it: whether it took effect is unknown. Check its state before running it again.";
    const finished = await deps.store.approvals.finish(request.id, { ok: false, summary }, deps.now());
    deps.logger.warn(
      { request: request.id, owner: request.owner },
      "an approved request was cut off by the end of its process",
    );
    await showRequest(deps, finished, deps.access.ruleOf(request.rule));
    await auditRequest(deps, finished, "execution", request.requesterId, "unknown", summary);
  }
  return interrupted.length;
}

/**
 * Expires what is past its time and says so on each request message; then runs what was approved but
 * never started, because the process that approved it stopped first (a crash between the last click
 * and the run). The claim keeps that to one run, whoever else tries. First of all, it ends what gone
 * processes were running (recoverInterrupted). `inHand`: the requests this process is running after
 * their last click, left to that click.
 */
export async function sweep(deps: ApprovalDeskDeps, inHand: ReadonlySet<string>): Promise<number> {
  // A replica that died since the last sweep: its cut-off requests are ended without a restart here.
  await recoverInterrupted(deps).catch((error: unknown) =>
    deps.logger.error({ err: error }, "recovering interrupted approvals failed"),
  );
  for (const request of await deps.store.approvals.listInStatus("approved", 50)) {
    if (inHand.has(request.id)) continue;
    deps.logger.warn({ request: request.id }, "running a request approved before a restart");
    const late =
      request.expiresAt <= deps.now()
        ? "opsbot stopped before running it, and the approval has expired since; nothing was run"
        : undefined;
    await runApproved(deps, request, deps.access.ruleOf(request.rule), late).catch((error: unknown) =>
      deps.logger.error({ err: error, request: request.id }, "an approved request failed"),
    );
  }
  const expired = await deps.store.approvals.expireDue(deps.now());
  for (const request of expired) {
    await showRequest(deps, request, deps.access.ruleOf(request.rule));
    await auditRequest(deps, request, "approval.expired", request.requesterId, "expired");
    await deps.notifier.notify(
      "approval.expired",
      `⌛ The request of ${userMention(request.requesterId)} to run ${inlineCode(request.operationId)} in ${channelMention(request.channelId)} expired without enough approvals.`,
      [request.channelId],
    );
  }
  return expired.length;
}
