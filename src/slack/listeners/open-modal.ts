import type { ViewsOpenArguments, WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import { errorMessage } from "../../blocks/errors.js";
import type { ReplyTarget } from "../../core/ports.js";
import { ephemeral } from "../../core/reply.js";

/**
 * Opens a modal, and when Slack will not open it (the trigger expired, Slack failing), says so to the
 * person who asked instead of leaving them with nothing: the error would otherwise reach only the log.
 * Resolves to the opened view, or undefined when it could not be opened.
 */
export async function openModal(options: {
  readonly client: WebClient;
  readonly triggerId: string;
  readonly view: ViewsOpenArguments["view"];
  readonly respond: ReplyTarget["respond"];
  readonly logger: Logger;
  /** What to do instead, e.g. the command with all its arguments. */
  readonly instead: string;
}): Promise<{ readonly id: string; readonly hash?: string } | undefined> {
  try {
    const opened = await options.client.views.open({ trigger_id: options.triggerId, view: options.view });
    if (!opened.view?.id) throw new Error("views.open answered without a view id");
    return { id: opened.view.id, ...(opened.view.hash ? { hash: opened.view.hash } : {}) };
  } catch (error) {
    options.logger.warn({ err: error }, "a modal could not be opened");
    await options
      .respond(
        ephemeral(errorMessage(`Slack did not open the form (${slackErrorCode(error)}). ${options.instead}`)),
      )
      .catch(() => undefined);
    return undefined;
  }
}

/** Slack's error code (`expired_trigger_id`, …) or the kind of failure, never a stack or a token. */
function slackErrorCode(error: unknown): string {
  const data = (error as { data?: { error?: unknown } }).data;
  if (typeof data?.error === "string" && /^[a-z_]+$/.test(data.error)) return data.error;
  const code = (error as { code?: unknown }).code;
  if (code === "slack_webapi_rate_limited_error") return "rate limited";
  if (code === "slack_webapi_http_error") return "Slack answered with an HTTP error";
  if (code === "slack_webapi_request_error") return "Slack could not be reached";
  return "unexpected answer";
}
