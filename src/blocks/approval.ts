import type { types } from "@slack/bolt";
import { ACTION, BLOCK } from "./ids.js";
import { SLACK_LIMITS } from "./limits.js";
import { MARK } from "./outcome.js";
import {
  context,
  escapeMrkdwn,
  fitText,
  header,
  inlineCode,
  mrkdwn,
  plain,
  type RenderedMessage,
  section,
  slackDate,
  userMention,
} from "./text.js";

/**
 * The approval request message: what will run, as whom, under which rule, who has approved, and the
 * Approve / Deny buttons while it is pending. The same builder renders every later state, so the message
 * is edited in place (chat.update) as the request moves on.
 */

export type ApprovalState =
  | "pending"
  | "approved"
  | "executing"
  | "succeeded"
  | "failed"
  | "denied"
  | "expired";

export interface ApprovalCard {
  readonly id: string;
  readonly status: ApprovalState;
  /** `/ops task deploy …` exactly as it will run. */
  readonly commandLine: string;
  readonly operationId: string;
  readonly requesterId: string;
  readonly identity?: string;
  readonly ruleName: string;
  readonly required: number;
  readonly approvals: readonly { readonly userId: string }[];
  /** Who may approve, as mrkdwn mentions (`<@U…>`, `<!subteam^S…>`). */
  readonly approvers: string;
  readonly expiresAt: number;
  readonly correlationId: string;
  readonly decidedBy?: string;
  readonly outcome?: { readonly ok: boolean; readonly summary: string };
  /** A change-freeze override: shown loudly. */
  readonly force?: { readonly lockedBy: string; readonly reason: string };
}

/** What an Approve / Deny button carries: the request and the fingerprint of the call it approves. */
export interface ApprovalButtonValue {
  readonly requestId: string;
  readonly fingerprint: string;
}

export function encodeApprovalValue(value: ApprovalButtonValue): string {
  return JSON.stringify({ r: value.requestId, f: value.fingerprint });
}

export function decodeApprovalValue(value: unknown): ApprovalButtonValue | undefined {
  if (typeof value !== "string" || value.length > SLACK_LIMITS.buttonValue) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const { r: requestId, f: fingerprint } = parsed as { r?: unknown; f?: unknown };
    if (typeof requestId !== "string" || typeof fingerprint !== "string") return undefined;
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(requestId) || !/^[a-f0-9]{16,128}$/.test(fingerprint))
      return undefined;
    return { requestId, fingerprint };
  } catch {
    return undefined;
  }
}

const STATUS_LINE: Readonly<Record<ApprovalState, (card: ApprovalCard) => string>> = {
  pending: (card) =>
    `⏳ Waiting for ${card.required - card.approvals.length} more approval${card.required - card.approvals.length === 1 ? "" : "s"} from ${card.approvers}.`,
  approved: (card) => `⚙️ Approved by ${mentions(card.approvals)}: running.`,
  executing: (card) => `⚙️ Approved by ${mentions(card.approvals)}: running.`,
  succeeded: (card) =>
    `${MARK.succeeded} Approved by ${mentions(card.approvals)} and done: ${escapeMrkdwn(card.outcome?.summary ?? "")}`,
  failed: (card) =>
    `${MARK.failed} Approved by ${mentions(card.approvals)}, but it failed: ${escapeMrkdwn(card.outcome?.summary ?? "")}`,
  denied: (card) => `🚫 Denied by ${userMention(card.decidedBy ?? "")}. Nothing was run.`,
  // An outcome on an expired request says why it ended early (its rule left the permissions file).
  expired: (card) =>
    card.outcome
      ? `⌛ Ended: ${escapeMrkdwn(card.outcome.summary)} Nothing was run.`
      : "⌛ Expired before enough approvals. Nothing was run.",
};

export function approvalMessage(card: ApprovalCard, fingerprint: string): RenderedMessage {
  // One title from request to outcome: the message is edited in place, and the status line says where it is.
  const title = card.force ? "Change-freeze override request" : "Approval request";
  const blocks: types.KnownBlock[] = [
    header(title),
    section(
      fitText(
        `${userMention(card.requesterId)} asks to run\n${codeLine(card.commandLine)}`,
        SLACK_LIMITS.sectionText,
        (t) => t,
      ),
    ),
    {
      type: "section",
      fields: [
        mrkdwn(
          `*Runs as*\n${card.identity ? fitText(card.identity, 300, inlineCode) : "_no identity needed_"}`,
        ),
        mrkdwn(
          `*Rule*\n${fitText(card.ruleName, 200, escapeMrkdwn)} (${card.required} of ${card.approvers})`,
        ),
        mrkdwn(
          `*Approvals*\n${card.approvals.length} of ${card.required}${card.approvals.length > 0 ? `: ${mentions(card.approvals)}` : ""}`,
        ),
        mrkdwn(`*Expires*\n${slackDate(card.expiresAt)}`),
      ],
    },
  ];
  if (card.force)
    blocks.push(
      section(
        fitText(
          `⚠️ The target is locked by ${userMention(card.force.lockedBy)}: ${fitText(card.force.reason, 1_000, escapeMrkdwn)}. Approving breaks the freeze.`,
          SLACK_LIMITS.sectionText,
          (t) => t,
        ),
      ),
    );
  blocks.push({
    ...section(fitText(STATUS_LINE[card.status](card), SLACK_LIMITS.sectionText, (t) => t)),
    block_id: BLOCK.approvalStatus,
  });
  if (card.status === "pending") {
    const value = encodeApprovalValue({ requestId: card.id, fingerprint });
    blocks.push({
      type: "actions",
      block_id: BLOCK.approvalButtons,
      elements: [
        { type: "button", action_id: ACTION.approve, text: plain("Approve"), style: "primary", value },
        {
          type: "button",
          action_id: ACTION.deny,
          text: plain("Deny"),
          style: "danger",
          value,
          confirm: {
            title: plain("Deny this request?"),
            text: mrkdwn("One denial ends the request; nothing will run."),
            confirm: plain("Deny"),
            deny: plain("Cancel"),
            style: "danger",
          },
        },
      ],
    });
  }
  blocks.push(context(`Request ${inlineCode(card.id)} · reference ${inlineCode(card.correlationId)}`));
  const text = fitText(
    `${title}: ${userMention(card.requesterId)} asks to run ${escapeMrkdwn(card.operationId)} (${card.status})`,
    1_000,
    (t) => t,
  );
  return { text, blocks };
}

/** The requester's private note: their request is waiting, where, and for whom. */
export function approvalRequestedNote(card: ApprovalCard): RenderedMessage {
  const text = `⏳ ${inlineCode(card.operationId)} needs ${card.required} approval${card.required === 1 ? "" : "s"} from ${card.approvers} (rule: ${escapeMrkdwn(card.ruleName)}). It runs as soon as it is approved; the request expires ${slackDate(card.expiresAt)}.`;
  return {
    text: fitText(text, 1_000, (t) => t),
    blocks: [section(fitText(text, SLACK_LIMITS.sectionText, (t) => t))],
  };
}

function mentions(approvals: readonly { readonly userId: string }[]): string {
  return approvals.map((a) => userMention(a.userId)).join(", ") || "nobody";
}

/** A command line as code, within a section's limit (escaped: it echoes what was typed). */
function codeLine(line: string): string {
  return fitText(line, 2_500, (t) => `\`\`\`${escapeMrkdwn(t).replace(/```/g, "ˋˋˋ")}\`\`\``);
}
