import { randomUUID } from "node:crypto";
import type { App, RespondFn } from "@slack/bolt";
import { describeIdentity } from "../../api/identity.js";
import { helpMessage } from "../../blocks/help.js";
import { errorMessage, type RenderedMessage, renderOutput } from "../../blocks/output.js";
import { tokenize } from "../../commands/tokenize.js";
import type { AnyOperation } from "../../ops/define.js";
import { parseCommand, usageOf } from "../../ops/parse.js";
import { runInvocation } from "../../ops/run.js";
import { validateArgs } from "../../ops/validate.js";
import type { HandlerDeps } from "../deps.js";

export const OPS_COMMAND = "/ops";

/**
 * `/ops ...`: acknowledged at once (with the reply itself when it needs no I/O: parse errors, help),
 * then the operation runs and its result is sent through the response URL.
 */
export function register(app: App, deps: HandlerDeps): void {
  app.command(OPS_COMMAND, async ({ command, ack, respond, client }) => {
    const tokens = tokenize(command.text);
    if (!tokens.ok) {
      await ack(ephemeral(errorMessage(tokens.error.message)));
      return;
    }
    const parsed = parseCommand(deps.catalogue, tokens.tokens);
    switch (parsed.kind) {
      case "empty":
      case "help":
        await ack(ephemeral(helpMessage(deps.catalogue, parsed.kind === "help" ? parsed.topic : undefined)));
        return;
      case "error":
        await ack(ephemeral(errorMessage(parsed.message, parsed.usage)));
        return;
      case "whoami": {
        await ack();
        const resolved = await deps.identities.resolve(command.user_id);
        const text = resolved.ok
          ? `opsbot calls the Deploy API as *${describeIdentity(resolved.identity)}* (from ${resolved.source === "override" ? "an identity override" : "your Slack profile"}).`
          : resolved.reason;
        await respond({ response_type: "ephemeral", text });
        return;
      }
      case "operation": {
        const validation = validateArgs(parsed.operation, parsed.raw, deps.defaults);
        if (!validation.ok) {
          const problems = validation.issues.map((i) => `\`${i.arg}\` ${i.message}`).join("; ");
          await ack(
            ephemeral(
              errorMessage(`Cannot run \`${parsed.operation.id}\`: ${problems}.`, usageOf(parsed.operation)),
            ),
          );
          return;
        }
        await ack();
        const outcome = await runInvocation(deps, {
          id: randomUUID(),
          operation: parsed.operation,
          args: validation.args,
          actor: { userId: command.user_id, channelId: command.channel_id },
        });
        if (!outcome.ok) {
          await respond(ephemeral(errorMessage(outcome.message)));
          return;
        }
        const message = renderOutput(outcome.output);
        await reply(respond, parsed.operation, message, command.user_id);
        if (message.file) {
          await client
            .filesUploadV2({
              channel_id: command.channel_id,
              filename: message.file.filename,
              title: message.file.title,
              content: message.file.content,
            })
            .catch(async () => {
              await respond(
                ephemeral(
                  errorMessage("The full output could not be attached here: invite opsbot to this channel."),
                ),
              );
            });
        }
      }
    }
  });
}

function ephemeral(message: RenderedMessage) {
  return { response_type: "ephemeral" as const, text: message.text, blocks: message.blocks };
}

/** Reads stay with the person who asked; changes are shown to the channel, with who made them. */
async function reply(respond: RespondFn, operation: AnyOperation, message: RenderedMessage, userId: string) {
  if (operation.risk === "read") {
    await respond(ephemeral(message));
    return;
  }
  await respond({
    response_type: "in_channel",
    text: message.text,
    blocks: [
      ...message.blocks,
      { type: "context", elements: [{ type: "mrkdwn", text: `\`${operation.id}\` by <@${userId}>` }] },
    ],
  });
}
