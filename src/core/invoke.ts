import { randomUUID } from "node:crypto";
import type { WebClient } from "@slack/web-api";
import { describeIdentity } from "../api/identity.js";
import { refusal } from "../blocks/errors.js";
import { escapeMrkdwn } from "../blocks/text.js";
import type { AnyOperation, Target } from "../catalogue/define.js";
import type { RawArgs } from "../catalogue/validate.js";
import type { HandlerDeps } from "../slack/listeners/deps.js";
import type { Lock } from "../store/types.js";
import { ephemeral, executeAndReply, type ReplyTarget } from "./reply.js";

/**
 * The one way a validated operation gets run, whether it was typed, submitted in a modal or clicked:
 * permission, change freeze, approval rule, then execution, each step in the audit log under one
 * correlation ID.
 */
export interface Submission {
  readonly operation: AnyOperation;
  readonly args: Record<string, unknown>;
  readonly raw: RawArgs;
  /** `--force`: override a change freeze (admins, always through an approval). */
  readonly force: boolean;
  readonly target: ReplyTarget;
  readonly client: WebClient;
  /** 0-based page of a list result. */
  readonly page?: number;
}

export async function submit(deps: HandlerDeps, submission: Submission): Promise<void> {
  const { operation, args, target: reply } = submission;
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

  const permission = await deps.access.check(reply.userId, reply.channelId, operation.id);
  if (!permission.allowed) return refuse(permission.message, "forbidden");

  const target = operation.target?.(args) ?? {};
  const lock = operation.risk === "read" ? undefined : await activeLock(deps, target);
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
      client: submission.client,
    });
    return;
  }

  await deps.audit.record({ ...base, kind: "command", outcome: "allowed", detail: permission.role });
  const outcome = await executeAndReply(deps, submission.client, operation, args, reply, {
    raw: submission.raw,
    correlationId,
    ...(submission.page === undefined ? {} : { page: submission.page }),
  });
  await deps.audit.record({
    ...base,
    kind: "execution",
    outcome: outcome.ok ? "succeeded" : outcome.reason,
    durationMs: outcome.durationMs,
    ...(outcome.ok ? {} : { detail: outcome.message }),
    ...(outcome.ok && outcome.identity ? { identity: describeIdentity(outcome.identity) } : {}),
  });
}

/** The freeze on a namespace or allocation the operation changes, if there is one. */
export async function activeLock(deps: HandlerDeps, target: Target): Promise<Lock | undefined> {
  const now = deps.now();
  if (target.namespace) {
    const lock = await deps.store.locks.active({ kind: "namespace", name: target.namespace }, now);
    if (lock) return lock;
  }
  if (target.allocation) return deps.store.locks.active({ kind: "allocation", name: target.allocation }, now);
  return undefined;
}

export function describeLock(lock: Lock | undefined): string {
  if (!lock) return "";
  const until = lock.until
    ? ` until <!date^${Math.floor(lock.until / 1000)}^{date_short_pretty} {time}|${new Date(lock.until).toISOString()}>`
    : "";
  return `${lock.target.kind} \`${lock.target.name}\` is locked${until} by <@${lock.lockedBy}>: ${escapeMrkdwn(lock.reason)}.`;
}

function describeTarget(target: Target): string | undefined {
  if (target.namespace) return `namespace \`${target.namespace}\``;
  if (target.allocation) return `allocation \`${target.allocation}\``;
  return undefined;
}
