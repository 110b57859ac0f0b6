import { PolicyFileError } from "../../core/policy/policy-file.js";
import { ConfigError } from "../../lib/config-error.js";
import { slackErrorOf } from "../lifecycle/slack-token.js";
import { oneLine, StartupFailure } from "./failure.js";

export { StartupFailure } from "./failure.js";
export { checkPortFree, listenFailure } from "./port.js";
export { openConfiguredStore } from "./store.js";
export { checkSlackToken } from "./token.js";

/**
 * The lines that tell the operator why start-up stopped: one per problem, each `opsbot cannot start:
 * …`. Anything not foreseen gets one line too, pointing at the log where its stack was written.
 */
export function startupFailureLines(error: unknown): string[] {
  if (error instanceof StartupFailure) return [error.message];
  if (error instanceof ConfigError) return error.message.split("\n");
  if (error instanceof PolicyFileError)
    return error.problems.map((p) =>
      oneLine(
        `opsbot cannot start: the permissions file (OPSBOT_CONFIG) ${error.source}:${p.line}:${p.column}: ${p.key ? `${p.key}: ` : ""}${p.message}`,
      ),
    );
  const message = error instanceof Error ? error.message : String(error);
  return [oneLine(`opsbot cannot start: an unexpected error: ${message}. The log has its details`)];
}

/**
 * Starting the receiver in Socket Mode asks Slack for a connection with the app-level token
 * (apps.connections.open); a refusal there is the app token's fault, not the bot token's.
 */
export function socketStartFailure(error: unknown): StartupFailure | undefined {
  const refusal = slackErrorOf(error);
  if (!refusal) return undefined;
  return new StartupFailure(
    "the Slack app-level token",
    `Slack refused it (apps.connections.open: ${refusal})`,
    "Check SLACK_APP_TOKEN: it must be an app-level token (xapp-…) with connections:write, of the same app as SLACK_BOT_TOKEN",
  );
}
