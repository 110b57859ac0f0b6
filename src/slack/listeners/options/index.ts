import type { App } from "@slack/bolt";
import { sourceOf } from "../../../blocks/ids.js";
import { truncateText } from "../../../blocks/limits.js";
import type { ListenerDeps } from "../deps.js";

/** Slack waits 3 s for options; the backend gets most of that, the answer the rest. */
const BACKEND_BUDGET_MS = 2_500;
const MAX_OPTIONS = 100;
const MAX_OPTION_CHARS = 75;

/**
 * External selects in operation modals (namespaces, templates) are fed by the Deploy API's list
 * endpoints, filtered by what the user has typed. A slow or failing backend gives an empty list, never a
 * missed acknowledgement.
 */
export function register(app: App, deps: ListenerDeps): void {
  app.options(/^source:/, async ({ options, ack }) => {
    const source = sourceOf(options.action_id);
    const names = source
      ? await deps.core.optionNames(source, AbortSignal.timeout(BACKEND_BUDGET_MS)).catch(() => [])
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
