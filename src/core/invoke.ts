import { randomUUID } from "node:crypto";
import { refusal } from "../blocks/errors.js";
import { escapeMrkdwn, inlineCode } from "../blocks/text.js";
import type { AnyOperation } from "../catalogue/define.js";
import type { RawArgs } from "../catalogue/validate.js";
import type { Store } from "../store/types.js";
import type { ApprovalDesk } from "./approvals/desk.js";
import type { Auditor } from "./audit.js";
import { type CarryOutDeps, carryOut } from "./carry-out.js";
import { activeLock, describeLock, describeTarget } from "./locks.js";
import type { AccessControl } from "./policy/access.js";
import { approversText } from "./policy/policy.js";
import type { Clock, ReplyTarget } from "./ports.js";
import { ephemeral } from "./reply.js";

/** A validated operation someone asked for, whether it was typed, submitted in a form or clicked. */
export interface Submission {
  readonly operation: AnyOperation;
  readonly args: Record<string, unknown>;
  readonly raw: RawArgs;
  /** `--force`: override a change freeze (admins, always through an approval). */
  readonly force: boolean;
  readonly reply: ReplyTarget;
  /** 0-based page of a list result. */
  readonly page?: number;
  /** One-line notes said with the result (a flag typed in a former spelling). */
  readonly hints?: readonly string[];
}

export interface InvokeDeps extends CarryOutDeps {
  readonly access: Pick<AccessControl, "check" | "ruleFor" | "overrideRule" | "approversFor">;
  readonly audit: Pick<Auditor, "record">;
  readonly store: Pick<Store, "locks">;
  readonly approvals: Pick<ApprovalDesk, "request">;
  readonly now: Clock;
}

/**
 * The one path of an invocation: permission, change freeze, approval rule, then carrying it out (run,
 * follow-up, audit, reply), each step in the audit log under one correlation ID.
 */
export async function invoke(deps: InvokeDeps, submission: Submission): Promise<void> {
  const { operation, args, reply } = submission;
  const correlationId = randomUUID();
  const base = {
    correlationId,
    operationId: operation.id,
    args: submission.raw,
    userId: reply.userId,
    channelId: reply.channelId,
  };
  const refuse = async (message: string, detail: string) => {
    await deps.audit.record({ ...base, kind: "refusal", outcome: detail, detail: message });
    await reply.respond(ephemeral(refusal(message)));
  };

  const permission = operation.open?.(args)
    ? ({ allowed: true, role: "anyone" } as const)
    : await deps.access.check(reply.userId, reply.channelId, operation.id);
  if (!permission.allowed) return refuse(permission.message, "forbidden");

  const target = operation.target?.(args) ?? {};
  const lock = operation.risk === "read" ? undefined : await activeLock(deps.store.locks, target, deps.now());
  if (submission.force && !lock)
    return refuse(
      `\`--force\` only overrides a change freeze, and ${describeTarget(target) ?? "this target"} is not locked. Run it without \`--force\`.`,
      "force-without-lock",
    );
  if (lock && !submission.force)
    return refuse(
      `${describeLock(lock)} An admin can override with \`--force\`, which needs an approval.`,
      "locked",
    );
  if (submission.force) {
    const admin = await deps.access.check(reply.userId, reply.channelId, "unlock");
    if (!admin.allowed)
      return refuse(`Only admins may override a change freeze. ${describeLock(lock)}`, "forbidden");
  }

  const rule =
    deps.access.ruleFor(operation.id, { target, args }) ??
    (submission.force ? deps.access.overrideRule() : undefined);
  if (submission.force && !rule)
    return refuse(
      "Nobody may approve a change-freeze override: the permissions file grants `unlock` to nobody.",
      "no-approvers",
    );
  if (rule) {
    // A request nobody could approve would wait until it expires: say so now, and why.
    const approvers = await deps.access.approversFor(rule, reply.userId);
    if (approvers !== undefined && approvers < rule.required)
      return refuse(
        `${inlineCode(operation.id)} needs ${rule.required} approval${rule.required === 1 ? "" : "s"} (rule "${escapeMrkdwn(rule.name)}") from ${approversText(rule)}, but ${approvers === 0 ? "nobody" : `only ${approvers} ${approvers === 1 ? "person" : "people"}`}${rule.allowSelfApproval ? "" : " other than you"} can approve it, so nothing was asked and nothing ran. Ask an opsbot admin to add approvers to that rule in the permissions file.`,
        "no-approvers",
      );
    await deps.audit.record({ ...base, kind: "command", outcome: "needs-approval", detail: rule.name });
    await deps.approvals.request({
      correlationId,
      operation,
      args,
      raw: submission.raw,
      target,
      rule,
      force: submission.force,
      ...(lock ? { lock } : {}),
      reply,
    });
    return;
  }

  await deps.audit.record({ ...base, kind: "command", outcome: "allowed", detail: permission.role });
  await carryOut(deps, {
    correlationId,
    operation,
    args,
    raw: submission.raw,
    requesterId: reply.userId,
    channelId: reply.channelId,
    reply,
    replyOnFailure: true,
    ...(submission.page === undefined ? {} : { page: submission.page }),
    ...(submission.hints ? { hints: submission.hints } : {}),
  });
}
