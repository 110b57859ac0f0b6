import type { App } from "@slack/bolt";
import { errorMessage, refusal } from "../../../blocks/errors.js";
import { helpMessage, policyWarningsMessage } from "../../../blocks/help.js";
import { operationModal, pickerModal } from "../../../blocks/modals.js";
import { tokenize } from "../../../catalogue/command-line/tokenize.js";
import { commandWords, makesChange } from "../../../catalogue/define.js";
import { parseCommand, usageOf } from "../../../catalogue/parse.js";
import { describeIssues, validateArgs } from "../../../catalogue/validate.js";
import { ephemeral, withHints } from "../../../core/reply.js";
import type { ListenerDeps } from "../deps.js";
import { encodeModalMetadata } from "../modal-metadata.js";
import { openModal } from "../open-modal.js";
import { replyTarget } from "../reply.js";

export const OPS_COMMAND = "/ops";

/**
 * `/ops ...`: acknowledged at once (with the reply itself when it needs no I/O: parse errors, help),
 * then the operation runs and its result is sent through the response URL.
 */
export function register(app: App, deps: ListenerDeps): void {
  app.command(OPS_COMMAND, async ({ command, ack, client }) => {
    const reply = replyTarget(deps.replies, {
      channelId: command.channel_id,
      userId: command.user_id,
      responseUrl: command.response_url,
    });
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
        await openModal({
          client,
          triggerId: command.trigger_id,
          view: pickerModal(
            deps.catalogue,
            encodeModalMetadata({ channelId: command.channel_id, responseUrl: command.response_url }),
          ),
          respond: reply.respond,
          logger: deps.logger,
          instead: "Try `/ops` again, or `/ops help` for the operations you can type.",
        });
        return;
      case "help": {
        await ack(ephemeral(helpMessage(deps.catalogue, parsed.topic, parsed.verb)));
        // Under the overview, an admin also reads what the permissions file may get wrong.
        if (parsed.topic !== undefined) return;
        const warnings = await deps.core.warningsFor(command.user_id, command.channel_id);
        if (warnings.length > 0) await reply.respond(ephemeral(policyWarningsMessage(warnings)));
        return;
      }
      case "error":
        await ack(ephemeral(errorMessage(parsed.message, parsed.usage)));
        return;
      case "operation": {
        const { operation, raw } = parsed;
        const validation = validateArgs(operation, raw, deps.defaults);
        const onlyMissing = !validation.ok && validation.issues.every((i) => i.message === "is required");
        // A change typed alone opens its form even when defaults would complete it (`payload reserve`):
        // a bare command never changes anything before its values were seen.
        const bareChange = parsed.bare && validation.ok && makesChange(operation, validation.args);
        if ((onlyMissing || bareChange) && operation.risk !== "read" && !parsed.force) {
          // A change with arguments missing: its modal, prefilled with what was typed. The trigger_id
          // expires after 3 seconds, so only a bounded permission check comes before views.open.
          await ack();
          const permission = await deps.core.quickCheck(command.user_id, command.channel_id, operation.id);
          if (!permission.allowed) {
            await reply.respond(ephemeral(refusal(permission.message)));
            return;
          }
          await openModal({
            client,
            triggerId: command.trigger_id,
            view: operationModal(operation, {
              prefill: raw,
              privateMetadata: encodeModalMetadata({
                operationId: operation.id,
                channelId: command.channel_id,
                responseUrl: command.response_url,
              }),
            }),
            respond: reply.respond,
            logger: deps.logger,
            instead: `Try again, or type it with every argument: ${usageOf(operation)}`,
          });
          return;
        }
        if (!validation.ok) {
          const problems = describeIssues(operation, validation.issues);
          await ack(
            ephemeral(
              withHints(
                errorMessage(`Cannot run \`${commandWords(operation)}\`: ${problems}.`, usageOf(operation)),
                parsed.hints,
              ),
            ),
          );
          return;
        }
        await deps.core.journaled(
          command,
          ack,
          () =>
            deps.core.invoke({
              operation,
              args: validation.args,
              raw,
              force: parsed.force,
              reply,
              ...(parsed.hints ? { hints: parsed.hints } : {}),
            }),
          { operation, raw, force: parsed.force },
        );
      }
    }
  });
}
