import { outputActionsBlock } from "../blocks/buttons.js";
import { errorMessage } from "../blocks/errors.js";
import { encodeOperationValue } from "../blocks/ids.js";
import { renderOutput } from "../blocks/output.js";
import { context, inlineCode, mrkdwn, type RenderedMessage, userMention } from "../blocks/text.js";
import type { Catalogue } from "../catalogue/catalogue.js";
import type { AnyOperation } from "../catalogue/define.js";
import type { Output } from "../catalogue/output.js";
import { PAGING_CURSOR } from "../catalogue/paging.js";
import { commandLineOf } from "../catalogue/parse.js";
import type { RawArgs } from "../catalogue/validate.js";
import type { ReplyMessage, ReplyTarget, SlackPoster } from "./ports.js";

export interface ReplyDeps {
  readonly catalogue: Catalogue;
  readonly poster: Pick<SlackPoster, "upload">;
}

export interface ReplyOptions {
  /** The arguments as typed: what pager buttons carry to run the same query again. */
  readonly raw: RawArgs;
  /** 0-based page of a list result. */
  readonly page?: number;
  /** Only the person who asked sees it (reads); otherwise the channel does, with who made the change. */
  readonly privately: boolean;
  /** One-line notes under the result (a flag typed in a former spelling). */
  readonly hints?: readonly string[];
}

/**
 * Posts a result: reads privately to the person who asked, changes to the channel with who made them;
 * its pager and next-step buttons; the whole output as a file when it is too long for a message.
 */
export async function replyWithOutput(
  deps: ReplyDeps,
  operation: AnyOperation,
  output: Output,
  target: ReplyTarget,
  options: ReplyOptions,
): Promise<void> {
  const more = nextPageCommand(operation, output, options.raw);
  const message = renderOutput(output, {
    ...(options.page === undefined ? {} : { page: options.page }),
    ...(more ? { more } : {}),
    read: operation.risk === "read",
    pageButtonValue: (page) => encodeOperationValue({ operationId: operation.id, args: options.raw, page }),
  });
  const next = output.actions
    ? outputActionsBlock(output.actions, (id) => deps.catalogue.byId(id))
    : undefined;
  const blocks = [...message.blocks, ...(next ? [next] : []), ...hintBlocks(options.hints)];
  if (message.file && output.tooLong) {
    await target.respond({ response_type: "ephemeral", text: output.tooLong });
    return;
  }
  if (options.privately) await target.respond(ephemeral({ ...message, blocks }));
  else
    await target.respond({
      response_type: "in_channel",
      text: message.text,
      blocks: [
        ...blocks,
        {
          type: "context",
          elements: [mrkdwn(`${inlineCode(operation.id)} by ${userMention(target.userId)}`)],
        },
      ],
    });
  if (!message.file) return;
  await deps.poster
    .upload({
      channel: target.channelId,
      ...(target.threadTs ? { thread_ts: target.threadTs } : {}),
      filename: message.file.filename,
      title: message.file.title,
      content: message.file.content,
    })
    .catch(async () => {
      await target.respond(
        ephemeral(errorMessage("The full output could not be attached here: invite opsbot to this channel.")),
      );
    });
}

/** The command that shows a list's next page: the same one, with the cursor the backend (or opsbot) gave. */
function nextPageCommand(operation: AnyOperation, output: Output, raw: RawArgs): string | undefined {
  if (output.kind !== "list" || !output.nextCursor || !operation.args[PAGING_CURSOR]) return undefined;
  return commandLineOf(operation, { ...raw, [PAGING_CURSOR]: output.nextCursor });
}

/** A message with its one-line hints under it (a flag typed in a former spelling). */
export function withHints(message: RenderedMessage, hints: readonly string[] | undefined): RenderedMessage {
  return { ...message, blocks: [...message.blocks, ...hintBlocks(hints)] };
}

function hintBlocks(hints: readonly string[] | undefined) {
  return hints?.length ? [context(hints.join(" "))] : [];
}

export function ephemeral(message: RenderedMessage): ReplyMessage {
  return { response_type: "ephemeral", text: message.text, blocks: message.blocks };
}
