import type { types } from "@slack/bolt";
import { SLACK_LIMITS } from "./limits.js";
import { endingOf, MARK, saysMore } from "./outcome.js";
import {
  channelMention,
  context,
  escapeMrkdwn,
  fitText,
  header,
  inlineCode,
  section,
  slackDate,
  userMention,
} from "./text.js";

/**
 * The App Home tab: what waits for the person's approval, and what they recently ran. Read-only: the
 * buttons live on the channel messages, where everyone sees the decisions.
 */

export interface HomeApproval {
  readonly id: string;
  readonly operationId: string;
  readonly requesterId: string;
  readonly channelId: string;
  readonly status: string;
  readonly expiresAt: number;
  readonly approvals: number;
  readonly required: number;
}

export interface HomeFollowUp {
  readonly id: string;
  readonly operationId: string;
  readonly title: string;
  readonly channelId: string;
  readonly status: string;
  readonly state?: string;
  readonly startedAt: number;
}

export interface HomeContent {
  readonly waitingForYou: readonly HomeApproval[];
  readonly yourRequests: readonly HomeApproval[];
  readonly yourOperations: readonly HomeFollowUp[];
  readonly policyNote: string;
}

// An approval's waiting states; how things ended comes from outcome.ts, as everywhere.
const WAITING: Readonly<Record<string, string>> = {
  pending: MARK.active,
  approved: "⚙️",
  executing: "⚙️",
  denied: "🚫",
  expired: "⌛",
};
const markOf = (status: string) => WAITING[status] ?? endingOf(status).mark;

// Each list is capped so the whole view stays within Slack's 100 blocks.
const PER_LIST = 25;

export function homeView(content: HomeContent): types.HomeView {
  const blocks: types.KnownBlock[] = [
    header("opsbot"),
    context(fitText(content.policyNote, 1_000, escapeMrkdwn)),
  ];
  blocks.push(header("Waiting for your approval"));
  if (content.waitingForYou.length === 0) blocks.push(section("_Nothing waits for you._"));
  for (const approval of content.waitingForYou.slice(0, PER_LIST))
    blocks.push(
      section(
        `${markOf(approval.status)} ${userMention(approval.requesterId)} asks to run ${inlineCode(approval.operationId)} in ${channelMention(approval.channelId)} · ${approval.approvals} of ${approval.required} · expires ${date(approval.expiresAt)} · open the request in the channel to decide`,
      ),
    );
  blocks.push(header("Your approval requests"));
  if (content.yourRequests.length === 0) blocks.push(section("_None._"));
  for (const approval of content.yourRequests.slice(0, PER_LIST))
    blocks.push(
      section(
        `${markOf(approval.status)} ${inlineCode(approval.operationId)} in ${channelMention(approval.channelId)}: ${escapeMrkdwn(approval.status)} (${approval.approvals} of ${approval.required})`,
      ),
    );
  blocks.push(header("Your recent operations"));
  if (content.yourOperations.length === 0) blocks.push(section("_Nothing followed yet._"));
  for (const followUp of content.yourOperations.slice(0, PER_LIST)) {
    const ending = endingOf(followUp.status, followUp.state);
    blocks.push(
      section(
        fitText(
          `${ending.mark} ${inlineCode(followUp.operationId)} ${fitText(followUp.title === followUp.operationId ? "" : followUp.title, 300, escapeMrkdwn)} in ${channelMention(followUp.channelId)}: ${escapeMrkdwn(ending.word)}${saysMore(ending, followUp.state) ? ` (${inlineCode(followUp.state)})` : ""} · started ${date(followUp.startedAt)}`,
          SLACK_LIMITS.sectionText,
          (t) => t,
        ),
      ),
    );
  }
  return { type: "home", blocks };
}

function date(ms: number): string {
  return slackDate(ms);
}
