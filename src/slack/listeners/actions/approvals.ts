import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { decodeApprovalValue } from "../../../blocks/approval.js";
import { ACTION } from "../../../blocks/ids.js";
import type { ApprovalClick } from "../../../core/approvals/deciding.js";
import type { ListenerDeps } from "../deps.js";
import { teller } from "../reply.js";

/**
 * Approve / Deny on an approval request. The desk decides (approvers, self-approval, the fingerprint,
 * exactly-once execution); this only reads the click and says things privately to the clicker.
 */
export function register(app: App, deps: ListenerDeps): void {
  for (const [action, decide] of [
    [ACTION.approve, (click: ApprovalClick) => deps.core.approvals.approve(click)],
    [ACTION.deny, (click: ApprovalClick) => deps.core.approvals.deny(click)],
  ] as const)
    app.action<BlockAction<ButtonAction>>(action, async ({ ack, body, action: button }) => {
      await ack();
      const tell = teller(deps.replies, body.response_url, (error) =>
        deps.logger.warn({ err: error }, "could not answer an approval click"),
      );
      const value = decodeApprovalValue(button.value);
      const channelId = body.channel?.id ?? body.container?.channel_id;
      if (!value || typeof channelId !== "string") {
        await tell("⛔ This button is not a valid approval button; nothing was done.");
        return;
      }
      await decide({ value, userId: body.user.id, channelId, tell }).catch(async (error: unknown) => {
        deps.logger.error({ err: error, action }, "an approval click failed");
        await tell("opsbot could not record that click; try again.");
      });
    });
}
