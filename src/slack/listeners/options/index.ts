import type { App } from "@slack/bolt";
import { sourceOf } from "../../../blocks/ids.js";
import { truncateText } from "../../../blocks/limits.js";
import type { ListenerDeps } from "../deps.js";
import { decodeModalMetadata } from "../modal-metadata.js";

/** Slack waits 3 s for options; the backend gets most of that, the answer the rest. */
const BACKEND_BUDGET_MS = 2_500;
const MAX_OPTIONS = 100;
const MAX_OPTION_CHARS = 75;

/**
 * External selects in operation modals (namespaces, templates) are fed by the Deploy API's list
 * endpoints, filtered by what the user has typed. The core decides who sees what, for the form's
 * operation and channel (from the modal's metadata); a refusal, a limit, a slow or failing backend all
 * give an empty list, never a missed acknowledgement.
 */
export function register(app: App, deps: ListenerDeps): void {
  app.options(/^source:/, async ({ options, body, ack }) => {
    const source = sourceOf(options.action_id);
    const metadata = body.view ? decodeModalMetadata(body.view.private_metadata) : undefined;
    const operation = metadata?.operationId ? deps.catalogue.byId(metadata.operationId) : undefined;
    const names =
      source && metadata && operation
        ? await deps.core
            .options({
              userId: body.user.id,
              channelId: metadata.channelId,
              operation,
              source,
              signal: AbortSignal.timeout(BACKEND_BUDGET_MS),
            })
            .catch(() => [])
        : [];
    const query = options.value.trim().toLowerCase();
    const matching = names
      .filter((name) => name.length <= MAX_OPTION_CHARS && name.toLowerCase().includes(query))
      .slice(0, MAX_OPTIONS);
    await ack({
      options: matching.map((name) => ({
        text: { type: "plain_text" as const, text: truncateText(name, MAX_OPTION_CHARS) },
        value: name,
      })),
    });
  });
}
