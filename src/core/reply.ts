import { randomUUID } from "node:crypto";
import type { WebClient } from "@slack/web-api";
import { describeIdentity } from "../api/identity.js";
import { outputActionsBlock } from "../blocks/buttons.js";
import { errorMessage, unknownOutcome } from "../blocks/errors.js";
import { encodeOperationValue } from "../blocks/ids.js";
import { type RenderedMessage, renderOutput } from "../blocks/output.js";
import type { Catalogue } from "../catalogue/catalogue.js";
import type { AnyOperation, FollowSpec } from "../catalogue/define.js";
import type { Output } from "../catalogue/output.js";
import { usageOf } from "../catalogue/parse.js";
import type { RawArgs } from "../catalogue/validate.js";
import type { HandlerDeps } from "../slack/listeners/deps.js";
import { type RunOutcome, runInvocation } from "./run.js";

/** Where a result goes: the command's response URL (preferred: works without joining the channel). */
export interface ReplyTarget {
  readonly channelId: string;
  readonly userId: string;
  readonly respond: (message: Record<string, unknown>) => Promise<unknown>;
  /** Files go in this thread too (a follow-up's final output). */
  readonly threadTs?: string;
}

export interface ExecuteOptions {
  /** The arguments as typed: what pager buttons carry to run the same query again. */
  readonly raw: RawArgs;
  /** Ties the Slack messages, the audit log and the backend requests of one request together. */
  readonly correlationId?: string;
  /** 0-based page of a list result. */
  readonly page?: number;
}

/**
 * Runs a validated operation and replies: reads privately to the person who asked, changes to the
 * channel with who made them, failures privately; long output attached as a file. A long operation
 * (one with `follow`) is then followed until it settles.
 */
export async function executeAndReply(
  deps: HandlerDeps,
  client: WebClient,
  operation: AnyOperation,
  args: Record<string, unknown>,
  target: ReplyTarget,
  options: ExecuteOptions,
): Promise<RunOutcome> {
  const outcome = await runInvocation(deps, {
    id: options.correlationId ?? randomUUID(),
    operation,
    args,
    actor: { userId: target.userId, channelId: target.channelId },
  });
  if (!outcome.ok) {
    const check = outcome.outcomeUnknown ? checkCommand(deps.catalogue, operation) : undefined;
    await target.respond(
      ephemeral(
        outcome.outcomeUnknown ? unknownOutcome(outcome.message, check) : errorMessage(outcome.message),
      ),
    );
    return outcome;
  }
  const follow: FollowSpec | undefined = operation.follow?.(outcome.result, args);
  const logFollowError = (error: unknown) => {
    deps.logger.error({ err: error, operation: operation.id }, "following an operation failed");
    return undefined;
  };
  // The follow-up is recorded before the reply and announced after it: a crash in between leaves a row
  // that the next start picks up, rather than a change nobody follows.
  const followed = follow
    ? await deps.followUps
        .record({
          operation,
          follow,
          correlationId: options.correlationId ?? randomUUID(),
          userId: target.userId,
          channelId: target.channelId,
          ...(outcome.identity ? { identity: describeIdentity(outcome.identity) } : {}),
        })
        .catch(logFollowError)
    : undefined;
  try {
    await replyWithOutput(deps, client, operation, outcome.output, target, options);
  } finally {
    // Followed even when the reply could not be sent: the change was made.
    if (followed) await deps.followUps.announce(followed).catch(logFollowError);
  }
  return outcome;
}

/** Posts a result: its pager and next-step buttons, who made a change, and the file when it is long. */
export async function replyWithOutput(
  deps: HandlerDeps,
  client: WebClient,
  operation: AnyOperation,
  output: Output,
  target: ReplyTarget,
  options: ExecuteOptions,
): Promise<void> {
  const message = renderOutput(output, {
    ...(options.page === undefined ? {} : { page: options.page }),
    pageButtonValue: (page) => encodeOperationValue({ operationId: operation.id, args: options.raw, page }),
  });
  const next = output.actions
    ? outputActionsBlock(output.actions, (id) => deps.catalogue.byId(id))
    : undefined;
  const blocks = next ? [...message.blocks, next] : message.blocks;
  if (operation.risk === "read") await target.respond(ephemeral({ ...message, blocks }));
  else
    await target.respond({
      response_type: "in_channel",
      text: message.text,
      blocks: [
        ...blocks,
        {
          type: "context",
          elements: [{ type: "mrkdwn", text: `\`${operation.id}\` by <@${target.userId}>` }],
        },
      ],
    });
  if (message.file) {
    const file = {
      filename: message.file.filename,
      title: message.file.title,
      content: message.file.content,
    };
    await client
      .filesUploadV2(
        target.threadTs
          ? { ...file, channel_id: target.channelId, thread_ts: target.threadTs }
          : { ...file, channel_id: target.channelId },
      )
      .catch(async () => {
        await target.respond(
          ephemeral(
            errorMessage("The full output could not be attached here: invite opsbot to this channel."),
          ),
        );
      });
  }
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

export function ephemeral(message: RenderedMessage) {
  return { response_type: "ephemeral" as const, text: message.text, blocks: message.blocks };
}
