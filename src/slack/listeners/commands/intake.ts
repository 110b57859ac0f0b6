import { randomUUID } from "node:crypto";
import type { SlashCommand } from "@slack/bolt";
import { escapeMrkdwn } from "../../../blocks/text.js";
import type { HandlerDeps } from "../deps.js";

/** Slack accepts posts to a command's response URL for 30 minutes. */
const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;

/**
 * Acknowledges a command whose work comes after the acknowledgement, with a note in the store first:
 * if the process dies before the work is settled, the next start tells the person (see
 * answerInterruptedCommands) instead of leaving an acknowledged command unanswered for ever.
 */
export async function journaled(
  deps: HandlerDeps,
  command: Pick<SlashCommand, "user_id" | "channel_id" | "text" | "response_url">,
  ack: () => Promise<void>,
  work: () => Promise<void>,
): Promise<void> {
  const id = randomUUID();
  // A store that fails must not stop the command: the note is a safety net, not a precondition.
  const noted = await deps.store.intake
    .open({
      id,
      userId: command.user_id,
      channelId: command.channel_id,
      text: command.text,
      responseUrl: command.response_url,
      receivedAt: deps.now(),
    })
    .then(
      () => true,
      (error: unknown) => {
        deps.logger.error({ err: error }, "a command could not be noted in the store");
        return false;
      },
    );
  await ack();
  try {
    await work();
  } finally {
    if (noted)
      await deps.store.intake
        .settle(id)
        .catch((error: unknown) => deps.logger.error({ err: error }, "a command could not be settled"));
  }
}

/**
 * At start-up: commands the previous process acknowledged and never settled (it died meanwhile). Each
 * person is told through the command's response URL while Slack still takes it; then the note goes.
 */
export async function answerInterruptedCommands(
  deps: Pick<HandlerDeps, "store" | "logger" | "now">,
  post: (url: string, body: Record<string, unknown>) => Promise<void> = postToResponseUrl,
): Promise<number> {
  const unsettled = await deps.store.intake.unsettled();
  for (const entry of unsettled) {
    if (deps.now() - entry.receivedAt < RESPONSE_URL_LIFETIME_MS)
      await post(entry.responseUrl, {
        response_type: "ephemeral",
        replace_original: false,
        text: `:warning: opsbot restarted while it was handling \`/ops ${escapeMrkdwn(entry.text)}\` and may not have finished it. If it was a change, check its state before running it again; a read can simply be run again.`,
      }).catch((error: unknown) =>
        deps.logger.warn({ err: error }, "could not tell someone their command was interrupted"),
      );
    await deps.store.intake.settle(entry.id);
  }
  if (unsettled.length > 0)
    deps.logger.warn({ count: unsettled.length }, "commands interrupted by a restart");
  return unsettled.length;
}

async function postToResponseUrl(url: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  if (!res.ok) throw new Error(`the response URL answered HTTP ${res.status}`);
}
