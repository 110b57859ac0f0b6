import { randomUUID } from "node:crypto";
import type { WebClient } from "@slack/web-api";
import { errorMessage } from "../blocks/errors.js";
import { type RenderedMessage, renderOutput } from "../blocks/output.js";
import type { AnyOperation } from "../ops/define.js";
import { runInvocation } from "../ops/run.js";
import type { HandlerDeps } from "./deps.js";

/** Where a result goes: the command's response URL (preferred: works without joining the channel). */
export interface ReplyTarget {
  readonly channelId: string;
  readonly userId: string;
  readonly respond: (message: Record<string, unknown>) => Promise<unknown>;
}

/**
 * Runs a validated operation and replies: reads privately to the person who asked, changes to the
 * channel with who made them, failures privately; long output attached as a file.
 */
export async function executeAndReply(
  deps: HandlerDeps,
  client: WebClient,
  operation: AnyOperation,
  args: Record<string, unknown>,
  target: ReplyTarget,
): Promise<void> {
  const outcome = await runInvocation(deps, {
    id: randomUUID(),
    operation,
    args,
    actor: { userId: target.userId, channelId: target.channelId },
  });
  if (!outcome.ok) {
    await target.respond(ephemeral(errorMessage(outcome.message)));
    return;
  }
  const message = renderOutput(outcome.output);
  if (operation.risk === "read") await target.respond(ephemeral(message));
  else
    await target.respond({
      response_type: "in_channel",
      text: message.text,
      blocks: [
        ...message.blocks,
        {
          type: "context",
          elements: [{ type: "mrkdwn", text: `\`${operation.id}\` by <@${target.userId}>` }],
        },
      ],
    });
  if (message.file) {
    await client
      .filesUploadV2({
        channel_id: target.channelId,
        filename: message.file.filename,
        title: message.file.title,
        content: message.file.content,
      })
      .catch(async () => {
        await target.respond(
          ephemeral(
            errorMessage("The full output could not be attached here: invite opsbot to this channel."),
          ),
        );
      });
  }
}

export function ephemeral(message: RenderedMessage) {
  return { response_type: "ephemeral" as const, text: message.text, blocks: message.blocks };
}
