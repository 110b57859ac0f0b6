import type { App } from "@slack/bolt";
import { sourceOf } from "../../../blocks/ids.js";
import { truncateText } from "../../../blocks/limits.js";
import type { OptionSource } from "../../../catalogue/define.js";
import type { HandlerDeps } from "../deps.js";

/** Slack waits 3 s for options; the backend gets most of that, the answer the rest. */
const BACKEND_BUDGET_MS = 2_500;
const MAX_OPTIONS = 100;
const MAX_OPTION_CHARS = 75;

/**
 * External selects in operation modals (namespaces, templates) are fed by the Deploy API's list
 * endpoints, filtered by what the user has typed. A slow or failing backend gives an empty list, never a
 * missed acknowledgement.
 */
export function register(app: App, deps: HandlerDeps): void {
  app.options(/^source:/, async ({ options, ack }) => {
    const source = sourceOf(options.action_id);
    const names = source ? await namesFor(deps, source).catch(() => []) : [];
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

async function namesFor(deps: HandlerDeps, source: OptionSource): Promise<string[]> {
  const signal = AbortSignal.timeout(BACKEND_BUDGET_MS);
  switch (source) {
    case "namespaces":
      return (await deps.api.deploy.listNamespaces({}, { signal })).map((n) => n.name);
    case "task-templates":
      return [...(await deps.api.deploy.listTaskTemplates({}, { signal }))];
    case "pipeline-templates":
      return [...(await deps.api.deploy.listPipelineTemplates({}, { signal }))];
  }
}
