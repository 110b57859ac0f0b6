import type { BlockAction, ButtonAction, ViewOutput } from "@slack/bolt";
import type { SlackFixtures } from "../testing/index.js";
import type { Clickable } from "./transcript.js";

/** Which printed button `click <n | text>` means, and the block_actions payload Slack would send for it. */

/** By number, else by text: exact first, then a part of it; the newest copy of a button wins. */
export function findClickable(all: readonly Clickable[], target: string): Clickable | undefined {
  if (/^\d+$/.test(target.trim())) return all.find((c) => c.button.n === Number(target));
  const wanted = target.trim().toLowerCase();
  const newest = [...all].reverse();
  return (
    newest.find((c) => c.button.text.toLowerCase() === wanted) ??
    newest.find((c) => c.button.text.toLowerCase().includes(wanted))
  );
}

/**
 * A click on a message button carries the message (channel, ts, blocks, ephemeral or not); a click in a
 * modal carries the view with its current state. Both get a fresh trigger_id and response_url from the
 * stand-in, through the fixtures.
 */
export function clickPayload(
  fx: SlackFixtures,
  clickable: Clickable,
  channelFallback: string,
  view?: ViewOutput,
): BlockAction<ButtonAction> {
  const { button, source } = clickable;
  const action: ButtonAction = {
    ...fx.button(button.actionId, {
      text: button.text,
      ...(button.value === undefined ? {} : { value: button.value }),
      ...(button.blockId === undefined ? {} : { blockId: button.blockId }),
    }),
    ...(button.url ? { url: button.url } : {}),
    ...(button.style === "primary" || button.style === "danger" ? { style: button.style } : {}),
  };
  if (source.kind === "view") {
    if (!view) throw new Error("a click in a modal needs the modal's view");
    return fx.blockActions(action, { view });
  }
  const base = fx.blockActions(action, {
    message: { ts: source.ts, text: source.text },
    channel: source.channel || channelFallback,
  });
  return {
    ...base,
    container: { ...base.container, is_ephemeral: source.ephemeral },
    // Slack sends the whole message clicked; handlers may read its blocks.
    ...(base.message ? { message: { ...base.message, blocks: [...source.blocks] } } : {}),
  };
}
