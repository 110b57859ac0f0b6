import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { ACTION } from "../../../blocks/ids.js";
import type { ListenerDeps } from "../deps.js";
import { teller } from "../reply.js";

const FOLLOW_UP_ID = /^fu_[A-Za-z0-9_-]{1,64}$/;

/**
 * Refresh on a followed operation's parent message: polls it now, as a read by the person who clicks
 * (they need the permission to read its state, like anyone typing the state command).
 */
export function register(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTION.followUpRefresh, async ({ ack, body, action }) => {
    await ack();
    const tell = teller(deps.replies, body.response_url, (error) =>
      deps.logger.warn({ err: error }, "could not answer a refresh click"),
    );
    const id = action.value ?? "";
    if (!FOLLOW_UP_ID.test(id)) return void (await tell("This follow-up no longer exists."));
    const said = await deps.core.refreshFollowUp(body.user.id, body.channel?.id, id);
    if (said) await tell(said);
  });
}
