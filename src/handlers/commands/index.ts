import type { App } from "@slack/bolt";
import { describeIdentity } from "../../api/identity.js";
import { errorMessage } from "../../blocks/errors.js";
import { helpMessage } from "../../blocks/help.js";
import { operationModal, pickerModal } from "../../blocks/modals.js";
import { tokenize } from "../../commands/tokenize.js";
import { parseCommand, usageOf } from "../../ops/parse.js";
import { validateArgs } from "../../ops/validate.js";
import type { HandlerDeps } from "../deps.js";
import { ephemeral, executeAndReply } from "../execute.js";
import { encodeModalMetadata } from "../modal-metadata.js";

export const OPS_COMMAND = "/ops";

/**
 * `/ops ...`: acknowledged at once (with the reply itself when it needs no I/O: parse errors, help),
 * then the operation runs and its result is sent through the response URL.
 */
export function register(app: App, deps: HandlerDeps): void {
  app.command(OPS_COMMAND, async ({ command, ack, respond, client }) => {
    const tokens = tokenize(command.text, { booleanFlags: deps.booleanFlags });
    if (!tokens.ok) {
      await ack(ephemeral(errorMessage(tokens.error.message)));
      return;
    }
    const parsed = parseCommand(deps.catalogue, tokens.tokens);
    switch (parsed.kind) {
      case "empty":
        // `/ops` alone: the picker of operations that have a form. Opened first: the trigger expires in 3 s.
        await ack();
        await client.views.open({
          trigger_id: command.trigger_id,
          view: pickerModal(
            deps.catalogue,
            encodeModalMetadata({ channelId: command.channel_id, responseUrl: command.response_url }),
          ),
        });
        return;
      case "help":
        await ack(ephemeral(helpMessage(deps.catalogue, parsed.topic)));
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
        const { operation, raw } = parsed;
        const validation = validateArgs(operation, raw, deps.defaults);
        const onlyMissing = !validation.ok && validation.issues.every((i) => i.message === "is required");
        if (!validation.ok && onlyMissing && operation.risk !== "read") {
          // A change with arguments missing: its modal, prefilled with what was typed. views.open goes
          // first, before any other I/O, because the trigger_id expires after 3 seconds.
          await ack();
          await client.views.open({
            trigger_id: command.trigger_id,
            view: operationModal(operation, {
              prefill: raw,
              privateMetadata: encodeModalMetadata({
                operationId: operation.id,
                channelId: command.channel_id,
                responseUrl: command.response_url,
              }),
            }),
          });
          return;
        }
        if (!validation.ok) {
          const problems = validation.issues.map((i) => `\`${i.arg}\` ${i.message}`).join("; ");
          await ack(
            ephemeral(errorMessage(`Cannot run \`${operation.id}\`: ${problems}.`, usageOf(operation))),
          );
          return;
        }
        await ack();
        await executeAndReply(
          deps,
          client,
          operation,
          validation.args,
          {
            channelId: command.channel_id,
            userId: command.user_id,
            respond: (message) => respond(message),
          },
          { raw },
        );
      }
    }
  });
}
