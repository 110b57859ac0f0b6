import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { ACTION } from "../../../blocks/ids.js";
import type { HandlerDeps } from "../deps.js";

const FOLLOW_UP_ID = /^fu_[A-Za-z0-9_-]{1,64}$/;

/**
 * Refresh on a followed operation's parent message: polls it now, as a read by the person who clicks
 * (they need the permission to read its state, like anyone typing the state command).
 */
export function register(app: App, deps: HandlerDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTION.followUpRefresh, async ({ ack, body, action, respond }) => {
    await ack();
    const tell = (text: string) =>
      respond({ response_type: "ephemeral", replace_original: false, text }).catch((error: unknown) =>
        deps.logger.warn({ err: error }, "could not answer a refresh click"),
      );
    const id = action.value ?? "";
    const followUp = FOLLOW_UP_ID.test(id) ? await deps.store.followUps.get(id) : undefined;
    if (!followUp) return void (await tell("This follow-up no longer exists."));
    const channelId = body.channel?.id ?? followUp.channelId;
    const permission = await deps.access.check(body.user.id, channelId, followUp.poll.operationId);
    if (!permission.allowed) return void (await tell(`⛔ ${permission.message}`));
    const result = await deps.followUps.refresh(followUp.id);
    if (result === "finished") await tell("It has already finished; the message shows how it ended.");
    else if (result === "busy")
      await tell("opsbot is checking it right now; the message updates when the state changes.");
  });
}
