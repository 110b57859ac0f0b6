import type { AllMiddlewareArgs, AnyMiddlewareArgs, Middleware } from "@slack/bolt";
import type { InFlight } from "./in-flight.js";

export const RESTARTING_TEXT =
  ":hourglass: opsbot is restarting and is not taking new commands. Nothing was run; try again in a minute.";

/**
 * The first global middleware: every Slack request is counted while it is handled (the shutdown waits
 * for them), and once the bot is draining, new slash commands and button clicks are answered with a
 * clear "restarting" instead of starting work the shutdown would cut off. Modal submissions, option
 * loads and events still go through: they are short, and refusing them would lose what was typed.
 */
export function drainingMiddleware(options: {
  readonly isDraining: () => boolean;
  readonly inFlight: InFlight;
  /** Sees each request's client (the metrics subscribe to its 429s). */
  readonly onClient?: (client: AllMiddlewareArgs["client"]) => void;
  /** Posts to a response URL (through the outbox, which still takes work while requests drain). */
  readonly respond: (responseUrl: string, message: Record<string, unknown>) => Promise<unknown>;
}): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    options.onClient?.(args.client);
    if (options.isDraining()) {
      if ("command" in args && args.command) {
        await args.ack({ response_type: "ephemeral", text: RESTARTING_TEXT });
        return;
      }
      if ("action" in args && args.action && args.body.type === "block_actions") {
        await args.ack();
        const responseUrl = "response_url" in args.body ? args.body.response_url : undefined;
        if (typeof responseUrl === "string")
          await options
            .respond(responseUrl, {
              response_type: "ephemeral",
              replace_original: false,
              text: RESTARTING_TEXT,
            })
            .catch(() => undefined);
        return;
      }
    }
    await options.inFlight.track(() => args.next());
  };
}
