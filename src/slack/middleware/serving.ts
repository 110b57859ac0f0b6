import type { AnyMiddlewareArgs, Middleware } from "@slack/bolt";
import { type Serving, serves } from "../../core/policy/member.js";
import { originOf, type RequestOrigin } from "./origin.js";

export const OTHER_TEAM_TEXT =
  "⛔ opsbot serves only its own Slack workspace and organisation, and this request came from another one. Nothing was done.";

/**
 * The adapter's door: every payload kind (commands, buttons, form submissions, dropdown options,
 * shortcuts, events) from a workspace or organisation opsbot does not serve is answered here, with
 * the reason, and audited as a refusal; no listener runs. A person from another workspace (Slack
 * Connect) in a served workspace's channel is refused too, from `user.team_id`.
 */
export function servingMiddleware(options: {
  readonly serving: () => Serving | undefined;
  readonly refused: (origin: RequestOrigin, detail: string) => Promise<void>;
  /** Posts privately to a response URL (through the outbox). */
  readonly respond: (responseUrl: string, message: Record<string, unknown>) => Promise<unknown>;
}): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const origin = originOf(args.body);
    const serving = options.serving();
    const problem = serving ? foreign(serving, origin) : "the workspaces opsbot serves are not known yet";
    if (!problem) return args.next();
    await options.refused(origin, problem).catch(() => undefined);
    await answer(args, options.respond);
  };
}

/** Why the origin is not served, or undefined when it is. */
function foreign(serving: Serving, origin: RequestOrigin): string | undefined {
  if (!serves(serving, origin.teamId, origin.enterpriseId))
    return `request from team ${origin.teamId ?? "?"}${origin.enterpriseId ? ` (enterprise ${origin.enterpriseId})` : ""}, which opsbot does not serve`;
  if (origin.userTeamId && !serves(serving, origin.userTeamId, origin.enterpriseId))
    return `user of team ${origin.userTeamId}, which opsbot does not serve`;
  return undefined;
}

/** The refusal in the form each kind of request can show: ack text, no options, form error, or a reply. */
async function answer(
  args: AnyMiddlewareArgs,
  respond: (responseUrl: string, message: Record<string, unknown>) => Promise<unknown>,
): Promise<void> {
  const ack = "ack" in args ? (args.ack as (response?: unknown) => Promise<void>) : undefined;
  const body = args.body as Record<string, unknown>;
  if (!ack) return; // an event: Bolt has acknowledged it already, and nobody waits for an answer
  if ("command" in args && args.command) return ack({ response_type: "ephemeral", text: OTHER_TEAM_TEXT });
  if (body.type === "block_suggestion") return ack({ options: [] });
  if (body.type === "view_submission") {
    const input = inputBlockOf(body.view);
    return input ? ack({ response_action: "errors", errors: { [input]: OTHER_TEAM_TEXT } }) : ack();
  }
  await ack();
  if (typeof body.response_url === "string")
    await respond(body.response_url, {
      response_type: "ephemeral",
      replace_original: false,
      text: OTHER_TEAM_TEXT,
    }).catch(() => undefined);
}

function inputBlockOf(view: unknown): string | undefined {
  const blocks = (view as { blocks?: unknown } | undefined)?.blocks;
  if (!Array.isArray(blocks)) return undefined;
  const input = blocks.find(
    (b): b is { block_id: string } =>
      typeof b === "object" && b !== null && b.type === "input" && typeof b.block_id === "string",
  );
  return input?.block_id;
}
