import { describeIdentity } from "../api/identity.js";
import { errorMessage, unknownOutcome } from "../blocks/errors.js";
import type { Catalogue } from "../catalogue/catalogue.js";
import type { AnyOperation } from "../catalogue/define.js";
import { usageOf } from "../catalogue/parse.js";
import type { RawArgs } from "../catalogue/validate.js";
import type { Auditor } from "./audit.js";
import type { Launch } from "./followups/engine.js";
import type { ReplyTarget } from "./ports.js";
import { ephemeral, type ReplyDeps, replyWithOutput, withHints } from "./reply.js";
import { type RunnerDeps, type RunOutcome, runInvocation } from "./run.js";

/** What carrying out needs of follow-ups: the row first, the parent message once the reply is out. */
export interface FollowUpRecorder {
  record(launch: Launch): Promise<{ readonly id: string } | undefined>;
  announce(recorded: { readonly id: string }): Promise<unknown>;
}

export interface CarryOutDeps extends RunnerDeps, ReplyDeps {
  readonly catalogue: Catalogue;
  readonly audit: Pick<Auditor, "record">;
  readonly followUps: FollowUpRecorder;
}

/** An operation cleared to run (allowed at once, or approved), with where its result goes. */
export interface Job {
  readonly correlationId: string;
  readonly operation: AnyOperation;
  readonly args: Record<string, unknown>;
  readonly raw: RawArgs;
  /** Who it runs as (the requester, also when someone else approved it) and where they asked. */
  readonly requesterId: string;
  readonly channelId: string;
  readonly reply: ReplyTarget;
  /** 0-based page of a list result. */
  readonly page?: number;
  /** One-line notes said with the result (a flag typed in a former spelling). */
  readonly hints?: readonly string[];
  /** False when something else shows a failure (an approval request's card). */
  readonly replyOnFailure: boolean;
  /** Said in the audit record before the outcome (who approved it). */
  readonly auditDetail?: string;
  /** The identity the request was approved for, when the outcome does not carry one. */
  readonly identity?: string;
  /** After the backend answered and a follow-up is recorded, before anything is said in Slack. */
  readonly settle?: (outcome: RunOutcome) => Promise<void>;
}

/**
 * The end of every invocation's path, the same for a typed command, a form, a click and an approved
 * request: run as the requester, record the follow-up, audit, reply, then announce the follow-up. A
 * follow-up is recorded before the reply and announced after it, so a crash in between leaves a row
 * that the next start picks up rather than a change nobody follows.
 */
export async function carryOut(deps: CarryOutDeps, job: Job): Promise<RunOutcome> {
  const { operation, reply } = job;
  const outcome = await runInvocation(deps, {
    id: job.correlationId,
    operation,
    args: job.args,
    actor: { userId: job.requesterId, channelId: job.channelId },
  });
  const identity = outcome.ok && outcome.identity ? describeIdentity(outcome.identity) : job.identity;
  const logFollowError = (error: unknown) => {
    deps.logger.error({ err: error, operation: operation.id }, "following an operation failed");
    return undefined;
  };
  const follow = outcome.ok ? operation.follow?.(outcome.result, job.args) : undefined;
  const followed = follow
    ? await deps.followUps
        .record({
          operation,
          follow,
          correlationId: job.correlationId,
          userId: job.requesterId,
          channelId: job.channelId,
          ...(identity ? { identity } : {}),
        })
        .catch(logFollowError)
    : undefined;
  try {
    await job.settle?.(outcome);
    const detail = [job.auditDetail, outcome.ok ? undefined : outcome.message].filter(Boolean).join(": ");
    await deps.audit.record({
      kind: "execution",
      correlationId: job.correlationId,
      operationId: operation.id,
      args: job.raw,
      userId: job.requesterId,
      channelId: job.channelId,
      outcome: outcome.ok ? "succeeded" : outcome.reason,
      durationMs: outcome.durationMs,
      ...(detail ? { detail } : {}),
      ...(identity ? { identity } : {}),
    });
    if (outcome.ok)
      await replyWithOutput(deps, operation, outcome.output, reply, {
        raw: job.raw,
        // A read, or one of opsbot's own commands used only to look (`/ops lock` lists the freezes).
        privately: operation.risk === "read" || operation.open?.(job.args) === true,
        ...(job.page === undefined ? {} : { page: job.page }),
        ...(job.hints ? { hints: job.hints } : {}),
      });
    else if (job.replyOnFailure) {
      const check = outcome.outcomeUnknown ? checkCommand(deps.catalogue, operation) : undefined;
      await reply.respond(
        ephemeral(
          withHints(
            outcome.outcomeUnknown ? unknownOutcome(outcome.message, check) : errorMessage(outcome.message),
            job.hints,
          ),
        ),
      );
    }
  } finally {
    // Followed even when the reply could not be sent: the change was made.
    if (followed) await deps.followUps.announce(followed).catch(logFollowError);
  }
  return outcome;
}

/** The read that shows whether a change of unknown outcome was made: its resource's list, else its state. */
function checkCommand(catalogue: Catalogue, operation: AnyOperation): string | undefined {
  const read = (verb: string) => {
    const found = catalogue.find(operation.resource, verb);
    return found?.risk === "read" ? found : undefined;
  };
  const check = read("list") ?? read("state") ?? read("get");
  return check ? usageOf(check) : undefined;
}
