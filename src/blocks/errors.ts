import type { types } from "@slack/bolt";
import { SLACK_LIMITS } from "./limits.js";
import { MARK } from "./outcome.js";
import { context, escapeMrkdwn, fitText, inlineCode, type RenderedMessage, section } from "./text.js";

/**
 * Ephemeral replies for what went wrong. Messages may carry mrkdwn of our own (the parser wraps names in
 * backticks) but also echo what the user typed, so `&`, `<`, `>` are escaped: backticks survive, mentions
 * and links do not.
 */

/** ❌ and the message; the usage line, when it helps, as code in a context block. */
export function errorMessage(message: string, usage?: string): RenderedMessage {
  const blocks: types.KnownBlock[] = [
    section(fitText(`${MARK.failed} ${message}`, SLACK_LIMITS.sectionText, escapeMrkdwn)),
  ];
  if (usage) blocks.push(context(`Usage: ${fitText(usage, SLACK_LIMITS.sectionText - 10, inlineCode)}`));
  return { text: fitText(`${MARK.failed} ${message}`, 1_000, escapeMrkdwn), blocks };
}

/**
 * A change that was sent but whose answer never arrived (or could not be read): ⚠️ rather than ❌,
 * because it may well have been made. `check` is the command that shows whether it was.
 */
export function unknownOutcome(message: string, check?: string): RenderedMessage {
  const blocks: types.KnownBlock[] = [
    section(fitText(`${MARK.unknown} ${message}`, SLACK_LIMITS.sectionText, escapeMrkdwn)),
  ];
  if (check)
    blocks.push(
      context(
        `Check with ${fitText(check, SLACK_LIMITS.sectionText - 40, inlineCode)} before running it again.`,
      ),
    );
  return { text: fitText(`${MARK.unknown} ${message}`, 1_000, escapeMrkdwn), blocks };
}

/**
 * The actor may not do this (permission, change freeze); the reason says why and who can help. Unlike
 * errorMessage, the reason is opsbot's own mrkdwn (it mentions the roles' holders, `<!subteam^S…>`):
 * whoever builds it escapes any text that came from a person (a lock's reason). Every reason is a whole
 * sentence ("Only admins may …"), so nothing is put in front of it.
 */
export function refusal(reason: string): RenderedMessage {
  const text = `⛔ ${reason}`;
  const keep = (t: string) => t;
  return {
    text: fitText(text, 1_000, keep),
    blocks: [section(fitText(text, SLACK_LIMITS.sectionText, keep))],
  };
}
