import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { decodeApprovalValue } from "../../../blocks/approval.js";
import { ACTION } from "../../../blocks/ids.js";
import type { HandlerDeps } from "../deps.js";

/**
 * Approve / Deny on an approval request. The desk decides (approvers, self-approval, the fingerprint,
 * exactly-once execution); this only reads the click and says things privately to the clicker.
 */
export function register(app: App, deps: HandlerDeps): void {
  for (const [action, decide] of [
    [ACTION.approve, (click: Parameters<typeof deps.approvals.approve>[0]) => deps.approvals.approve(click)],
    [ACTION.deny, (click: Parameters<typeof deps.approvals.deny>[0]) => deps.approvals.deny(click)],
  ] as const)
    app.action<BlockAction<ButtonAction>>(action, async ({ ack, body, action: button, client, respond }) => {
      await ack();
      const tell = (text: string) =>
        respond({ response_type: "ephemeral", replace_original: false, text }).catch((error: unknown) =>
          deps.logger.warn({ err: error }, "could not answer an approval click"),
        );
      const value = decodeApprovalValue(button.value);
      const channelId = body.channel?.id ?? body.container?.channel_id;
      if (!value || typeof channelId !== "string") {
        await tell("⛔ This button is not a valid approval button; nothing was done.");
        return;
      }
      await decide({ value, userId: body.user.id, channelId, client, tell }).catch(async (error: unknown) => {
        deps.logger.error({ err: error, action }, "an approval click failed");
        await tell("opsbot could not record that click; try again.");
      });
    });
}
