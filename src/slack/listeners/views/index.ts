import type { App } from "@slack/bolt";
import { errorMessage } from "../../../blocks/errors.js";
import { BLOCK, CALLBACK } from "../../../blocks/ids.js";
import { modalErrors, operationModal, pickedOperationId, readModalValues } from "../../../blocks/modals.js";
import { validateArgs } from "../../../catalogue/validate.js";
import { ephemeral } from "../../../core/reply.js";
import type { ListenerDeps } from "../deps.js";
import { decodeModalMetadata, encodeModalMetadata } from "../modal-metadata.js";
import { replyTarget } from "../reply.js";

/**
 * An operation modal was submitted: the same validation as the command line, with problems shown
 * inline on the offending fields; on success the modal closes and the operation runs.
 */
export function register(app: App, deps: ListenerDeps): void {
  // The picker (`/ops` alone): the chosen operation's own modal replaces it.
  app.view(CALLBACK.pickerModal, async ({ ack, view }) => {
    const metadata = decodeModalMetadata(view.private_metadata);
    const chosen = pickedOperationId(view.state.values);
    const operation = chosen ? deps.catalogue.byId(chosen) : undefined;
    if (!metadata || !operation) {
      await ack({
        response_action: "errors",
        errors: { [BLOCK.pickOperation]: "Choose an operation from the list." },
      });
      return;
    }
    await ack({
      response_action: "update",
      view: operationModal(operation, {
        privateMetadata: encodeModalMetadata({ ...metadata, operationId: operation.id }),
      }),
    });
  });

  app.view(CALLBACK.operationModal, async ({ ack, view, body }) => {
    const metadata = decodeModalMetadata(view.private_metadata);
    const operation = metadata?.operationId ? deps.catalogue.byId(metadata.operationId) : undefined;
    if (!metadata || !operation) {
      await ack({
        response_action: "errors",
        errors: { [firstBlockId(view.blocks)]: "This form is out of date: run the command again." },
      });
      return;
    }
    const raw = readModalValues(operation, view.state.values);
    const validation = validateArgs(operation, raw, deps.defaults);
    if (!validation.ok) {
      await ack({ response_action: "errors", errors: modalErrors(operation, validation.issues) });
      return;
    }
    await ack();
    // The command's response URL (30 minutes, 5 uses) is enough to answer one form; without one the
    // answer is an ephemeral message in the channel.
    const reply = replyTarget(deps.replies, {
      channelId: metadata.channelId,
      userId: body.user.id,
      responseUrl: metadata.responseUrl,
    });
    await deps.core
      .invoke({ operation, args: validation.args, raw, force: false, reply })
      .catch(async (error: unknown) => {
        deps.logger.error({ err: error }, "replying to a modal submission failed");
        await deps.replies
          .ephemeral({
            channel: metadata.channelId,
            user: body.user.id,
            ...ephemeral(errorMessage("opsbot could not post the result here.")),
          })
          .catch(() => undefined);
      });
  });
}

function firstBlockId(blocks: readonly { block_id?: string }[]): string {
  return blocks.find((b) => b.block_id)?.block_id ?? "ops_errors";
}
