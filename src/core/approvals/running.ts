import type { Identity } from "../../api/identity.js";
import { restoreArgs } from "../../catalogue/sensitive.js";
import { validateArgs } from "../../catalogue/validate.js";
import type { ApprovalRequest } from "../../store/types.js";
import { carryOut } from "../carry-out.js";
import { activeLock, describeLock } from "../locks.js";
import { fingerprintOf } from "../policy/fingerprint.js";
import type { ApprovalRule } from "../policy/policy.js";
import { auditRequest } from "./audit-trail.js";
import { callFacts } from "./call-facts.js";
import { showRequest } from "./card.js";
import type { ApprovalDeskDeps } from "./deps.js";

/**
 * Runs an approved request once: claimed atomically, then checked again against what was approved.
 * `refusal` ends it without a run (an approval left over from before a restart, now too old).
 */
export async function runApproved(
  deps: ApprovalDeskDeps,
  approved: ApprovalRequest,
  rule: ApprovalRule | undefined,
  refusal?: string,
): Promise<void> {
  const claimed = await deps.store.approvals.claimForExecution(approved.id, deps.now(), deps.processId);
  if (!claimed) return;
  await showRequest(deps, claimed, rule);
  const fail = async (summary: string) => {
    const finished = await deps.store.approvals.finish(claimed.id, { ok: false, summary }, deps.now());
    await showRequest(deps, finished, rule);
    await auditRequest(deps, finished, "execution", claimed.requesterId, "refused", summary);
  };
  if (refusal) return fail(refusal);
  const operation = deps.catalogue.byId(claimed.operationId);
  if (!operation) return fail("this opsbot no longer has that operation");
  const raw = restoreArgs(claimed.rawArgs, claimed.withheldArgs);
  const validation = validateArgs(operation, raw, deps.defaults);
  if (!validation.ok) return fail("its arguments are no longer valid");
  let identity: Identity | undefined;
  if (operation.needsIdentity) {
    const resolved = await deps.identities.resolve(claimed.requesterId);
    if (!resolved.ok) return fail(resolved.reason);
    identity = resolved.identity;
  }
  const target = operation.target?.(validation.args) ?? {};
  const fingerprint = fingerprintOf(
    callFacts(operation.id, validation.args, target, identity, claimed.requesterId, claimed.force),
  );
  if (fingerprint !== claimed.fingerprint)
    return fail(
      "the call is not the one that was approved (its arguments, target or identity changed); nothing was run",
    );
  const permission = await deps.access.check(claimed.requesterId, claimed.channelId, operation.id);
  if (!permission.allowed) return fail(`the requester may no longer run it: ${permission.message}`);
  if (!claimed.force && operation.risk !== "read") {
    const lock = await activeLock(deps.store.locks, target, deps.now());
    if (lock) return fail(`${describeLock(lock)} Nothing was run.`);
  }
  // Run as the requester; the request shows its result before the result is posted in its thread.
  const thread = claimed.message;
  await carryOut(deps, {
    correlationId: claimed.correlationId,
    operation,
    args: validation.args,
    raw,
    requesterId: claimed.requesterId,
    channelId: claimed.channelId,
    replyOnFailure: false,
    ...(claimed.requesterIdentity ? { identity: claimed.requesterIdentity } : {}),
    reply: {
      channelId: thread?.channelId ?? claimed.channelId,
      userId: claimed.requesterId,
      ...(thread ? { threadTs: thread.ts } : {}),
      respond: async (message) => {
        if (!thread) return;
        await deps.poster
          .post({
            channel: thread.channelId,
            thread_ts: thread.ts,
            text: message.text,
            ...(message.blocks ? { blocks: message.blocks } : {}),
          })
          .catch((error: unknown) =>
            deps.logger.warn({ err: error }, "the approved result could not be posted"),
          );
      },
    },
    settle: async (outcome) => {
      const summary = outcome.ok ? outcome.output.title : outcome.message;
      const finished = await deps.store.approvals.finish(
        claimed.id,
        { ok: outcome.ok, summary, durationMs: outcome.durationMs },
        deps.now(),
      );
      await showRequest(deps, finished, rule);
    },
    auditDetail: `approved by ${claimed.approvals.map((a) => a.userId).join(", ")}`,
  });
}
