import { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import { createBoltLogger } from "../../slack/logger.js";
import type { SlackSettings } from "../config.js";
import { type BotIdentity, identityOf, slackErrorOf } from "../lifecycle/slack-token.js";
import { errorCodeOf, StartupFailure } from "./failure.js";

export interface TokenCheckOptions {
  /** How long Slack may stay unreachable before start-up gives up (default 10 s). */
  readonly waitMs?: number;
  /** The pause between tries while Slack cannot be reached (default 1 s). */
  readonly pauseMs?: number;
}

/**
 * Asks Slack (auth.test) whether it accepts the bot token, before anything says "running". A refusal
 * (invalid_auth, token_revoked, …) fails at once: the token cannot change without a restart. Slack out
 * of reach (no DNS, refused, timing out, 5xx) is tried again for a while, as a network starting beside
 * the process may need, and then fails too, rather than run a bot that cannot answer anyone.
 */
export async function checkSlackToken(
  slack: SlackSettings,
  logger: Logger,
  options: TokenCheckOptions = {},
): Promise<BotIdentity> {
  const waitMs = options.waitMs ?? 10_000;
  const pauseMs = options.pauseMs ?? 1_000;
  const client = new WebClient(slack.botToken?.reveal(), {
    ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {}),
    // One try per call: the loop below paces the tries and knows the overall bound.
    retryConfig: { retries: 0 },
    timeout: Math.min(5_000, waitMs),
    logger: createBoltLogger(logger),
  });
  const host = hostOf(slack.apiUrl ?? "https://slack.com/api/");
  const deadline = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return identityOf(await client.auth.test());
    } catch (error) {
      const refusal = slackErrorOf(error);
      if (refusal)
        throw new StartupFailure(
          "the Slack bot token",
          `Slack refused it (auth.test: ${refusal})`,
          "Check SLACK_BOT_TOKEN: it must be the Bot User OAuth Token (xoxb-…) of the app installed in the workspace",
        );
      const code = errorCodeOf(error) ?? statusOf(error) ?? "no answer";
      if (Date.now() + pauseMs >= deadline)
        throw new StartupFailure(
          "Slack",
          `${host} could not be reached to check the bot token (${code}, ${attempt} tries over ${Math.round(waitMs / 1000)} s)`,
          `Check this host's network, DNS and proxy${slack.apiUrl ? ", and SLACK_API_URL" : ""}`,
        );
      // The code only: the error's request would carry the token.
      if (attempt === 1)
        logger.warn({ code, host }, "Slack could not be reached to check the bot token; trying again");
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function statusOf(error: unknown): string | undefined {
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === "number" ? `HTTP ${status}` : undefined;
}
