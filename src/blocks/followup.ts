import type { types } from "@slack/bolt";
import { ACTION, BLOCK } from "./ids.js";
import { SLACK_LIMITS } from "./limits.js";
import { endingOf, MARK, saysMore } from "./outcome.js";
import {
  context,
  escapeMrkdwn,
  fitText,
  inlineCode,
  plain,
  type RenderedMessage,
  section,
  slackDate,
  userMention,
} from "./text.js";

/**
 * The parent message of a followed operation: what runs, who asked, as whom, and one status line that
 * is edited in place as the state changes; the history goes in its thread.
 */

export type FollowUpPhase = "active" | "succeeded" | "failed" | "unknown" | "cancelled";

export interface FollowUpCard {
  readonly id: string;
  readonly operationId: string;
  readonly subject?: string;
  readonly requesterId: string;
  readonly identity?: string;
  readonly phase: FollowUpPhase;
  readonly state?: string;
  readonly startedAt: number;
  readonly updatedAt: number;
  /** A note on the status line: a warning while active, or why it ended. */
  readonly note?: string;
  /** The Refresh button's value; undefined leaves it out. */
  readonly refreshValue?: string;
  /** A Kill/Cancel button, already built (it goes through the usual permission check). */
  readonly cancel?: types.Button;
}

export function followUpParent(card: FollowUpCard): RenderedMessage {
  const what = `${inlineCode(card.operationId)}${card.subject ? ` ${fitText(card.subject, 300, escapeMrkdwn)}` : ""}`;
  const state = card.state ? inlineCode(card.state) : "_starting_";
  const took = duration(card.updatedAt - card.startedAt);
  const ending = endingOf(card.phase, card.state);
  const status =
    card.phase === "active"
      ? `${MARK.active} ${state} · following for ${took}`
      : `${ending.mark} ${ending.word}${saysMore(ending, card.state) ? ` (${inlineCode(card.state)})` : ""} after ${took}`;
  const note = card.note ? `\n${fitText(card.note, 1_000, escapeMrkdwn)}` : "";
  const blocks: types.KnownBlock[] = [
    section(fitText(`${ending.mark} ${what}`, SLACK_LIMITS.sectionText, (t) => t)),
    { ...section(`${status}${note}`), block_id: BLOCK.followUpStatus },
    context(
      `Asked by ${userMention(card.requesterId)}${card.identity ? ` · runs as ${inlineCode(card.identity)}` : ""} · started ${time(card.startedAt)} · follow-up ${inlineCode(card.id)}`,
    ),
  ];
  if (card.phase === "active") {
    const buttons: types.Button[] = [];
    if (card.refreshValue)
      buttons.push({
        type: "button",
        action_id: ACTION.followUpRefresh,
        text: plain("Refresh"),
        value: card.refreshValue,
      });
    if (card.cancel) buttons.push(card.cancel);
    if (buttons.length > 0)
      blocks.push({ type: "actions", block_id: BLOCK.followUpButtons, elements: buttons });
  }
  const text = fitText(
    `${ending.mark} ${card.operationId}: ${card.state ?? "starting"}`,
    1_000,
    escapeMrkdwn,
  );
  return { text, blocks };
}

/** One state change, as a thread reply. */
export function transitionReply(
  state: string,
  phase: FollowUpPhase,
  at: number,
  startedAt: number,
  /** States on the way that were never posted: the channel's Slack queue was full. */
  skipped = 0,
): RenderedMessage {
  let text: string;
  if (phase === "active") text = `• ${inlineCode(state)} at ${time(at)}`;
  else {
    const ending = endingOf(phase, state);
    const word = saysMore(ending, state) ? `${ending.word} ` : "";
    text = `${ending.mark} ${inlineCode(state)} at ${time(at)} · ${word}after ${duration(at - startedAt)}`;
  }
  if (skipped <= 0) return { text, blocks: [section(text)] };
  const note = skippedNote(skipped);
  return { text: `${text}\n${note}`, blocks: [section(text), context(note)] };
}

/** Said with a final state when states before it were shed, so nobody reads the thread as complete. */
export function skippedNote(skipped: number): string {
  const updates = skipped === 1 ? "1 progress update was" : `${skipped} progress updates were`;
  return `_${updates} skipped: opsbot's Slack queue for this channel was full._`;
}

export function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
}

function time(ms: number): string {
  return slackDate(ms, "{time_secs}");
}
