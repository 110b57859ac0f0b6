import { randomBytes } from "node:crypto";
import { describeIdentity, type Identity } from "../../api/identity.js";
import { approvalMessage, approvalRequestedNote } from "../../blocks/approval.js";
import { errorMessage, refusal } from "../../blocks/errors.js";
import { channelMention, inlineCode, userMention } from "../../blocks/text.js";
import type { AnyOperation, Target } from "../../catalogue/define.js";
import { displayArgs, withholdArgs } from "../../catalogue/sensitive.js";
import type { RawArgs } from "../../catalogue/validate.js";
import type { Lock } from "../../store/types.js";
import { fingerprintOf } from "../policy/fingerprint.js";
import { type ApprovalRule, approversText } from "../policy/policy.js";
import type { ReplyTarget } from "../ports.js";
import { ephemeral } from "../reply.js";
import { callFacts } from "./call-facts.js";
import { cardOf } from "./card.js";
import type { ApprovalDeskDeps } from "./deps.js";

/** Slack metadata on a request message: a post whose answer was lost is found, not posted twice. */
const APPROVAL_METADATA_TYPE = "opsbot_approval";

/** What the invocation path hands over when an operation needs approval. */
export interface ApprovalAsk {
  readonly correlationId: string;
  readonly operation: AnyOperation;
  readonly args: Record<string, unknown>;
  readonly raw: RawArgs;
  readonly target: Target;
  readonly rule: ApprovalRule;
  readonly force: boolean;
  readonly lock?: Lock;
  readonly reply: ReplyTarget;
}

/** Stores the request, bound to the call's facts, posts it with Approve / Deny, and tells who may decide. */
export async function requestApproval(deps: ApprovalDeskDeps, ask: ApprovalAsk): Promise<void> {
  const { operation, reply, rule } = ask;
  let identity: Identity | undefined;
  if (operation.needsIdentity) {
    const resolved = await deps.identities.resolve(reply.userId);
    if (!resolved.ok) {
      await reply.respond(ephemeral(refusal(resolved.reason)));
      return;
    }
    identity = resolved.identity;
  }
  const now = deps.now();
  // Sensitive values are kept apart from what the request shows, and only until it ends.
  const { shown, withheld } = withholdArgs(operation, ask.raw);
  const created = await deps.store.approvals.create({
    id: `apr_${randomBytes(12).toString("base64url")}`,
    correlationId: ask.correlationId,
    operationId: operation.id,
    args: displayArgs(operation, ask.args),
    rawArgs: shown,
    ...(Object.keys(withheld).length > 0 ? { withheldArgs: withheld } : {}),
    target: ask.target,
    fingerprint: fingerprintOf(
      callFacts(operation.id, ask.args, ask.target, identity, reply.userId, ask.force),
    ),
    requesterId: reply.userId,
    ...(identity ? { requesterIdentity: describeIdentity(identity) } : {}),
    channelId: reply.channelId,
    rule: {
      index: rule.index,
      name: rule.name,
      required: rule.required,
      allowSelfApproval: rule.allowSelfApproval,
      ...(rule.id ? { id: rule.id } : {}),
      named: rule.named,
      digest: rule.digest,
    },
    force: ask.force,
    createdAt: now,
    expiresAt: now + rule.expiresAfterMs,
  });
  const message = approvalMessage(cardOf(created, operation, rule, ask.lock), created.fingerprint);
  let ts: string | undefined;
  try {
    const posted = await deps.poster.post({
      channel: reply.channelId,
      text: message.text,
      blocks: message.blocks,
      metadata: { event_type: APPROVAL_METADATA_TYPE, event_payload: { request: created.id } },
    });
    ts = posted.ts;
  } catch (error) {
    deps.logger.warn({ err: error, request: created.id }, "the approval request could not be posted");
  }
  if (!ts) {
    // Nobody could approve a request nobody sees: withdraw it rather than leave it pending.
    await deps.store.approvals.deny(created.id, reply.userId, deps.now());
    await reply.respond(
      ephemeral(
        errorMessage(
          "This needs an approval, but opsbot cannot post in this channel: invite it (`/invite @opsbot`) and try again.",
        ),
      ),
    );
    return;
  }
  await deps.store.approvals.setMessage(created.id, { channelId: reply.channelId, ts });
  await reply.respond(ephemeral(approvalRequestedNote(cardOf(created, operation, rule, ask.lock))));
  await deps.audit.record({
    kind: "approval.requested",
    correlationId: ask.correlationId,
    operationId: operation.id,
    args: ask.raw,
    userId: reply.userId,
    channelId: reply.channelId,
    outcome: "pending",
    detail: `${created.id} (${rule.name}, ${rule.required} needed)`,
    ...(created.requesterIdentity ? { identity: created.requesterIdentity } : {}),
  });
  const note = `🔐 ${userMention(reply.userId)} asks to run ${inlineCode(operation.id)} in ${channelMention(reply.channelId)}: ${rule.required} approval${rule.required === 1 ? "" : "s"} needed from ${approversText(rule)}.`;
  if (rule.notify && rule.notify !== reply.channelId)
    await deps.poster.post({ channel: rule.notify, text: note }).catch((error: unknown) => {
      deps.logger.warn({ err: error, channel: rule.notify }, "an approval notification could not be posted");
    });
  await deps.notifier.notify("approval.requested", note, [
    reply.channelId,
    ...(rule.notify ? [rule.notify] : []),
  ]);
}
