import { z } from "zod";

/**
 * What opsbot's code relies on from its Slack app configuration. manifest.yml must match it exactly:
 * a scope the code needs but the manifest lacks fails at run time with `missing_scope`, and a scope
 * the manifest asks for but the code does not use is privilege nobody reviewed. Slack's JSON schema
 * checks the manifest's shape but not scope names, so typos are caught here.
 */

export const SLASH_COMMAND = "/ops";

/** Each bot scope with the reason the code needs it. */
export const REQUIRED_BOT_SCOPES: Readonly<Record<string, string>> = {
  commands: `the ${SLASH_COMMAND} slash command`,
  "chat:write": "chat.postMessage, chat.update, chat.postEphemeral and views.*",
  "users:read": "users.info to resolve who ran a command",
  "users:read.email":
    "the email on a user's profile (users.info), to map Slack users to Deploy API identities",
  "usergroups:read": "usergroups.users.list, for group-based permissions",
  "files:write": "filesUploadV2, for log and artefact exports",
  "channels:history":
    "conversations.replies and conversations.history, to see after a restart which follow-up messages are already posted",
  "groups:history": "the same in private channels",
};

export const REQUIRED_BOT_EVENTS: readonly string[] = ["app_home_opened"];

/** Only the parts of the manifest the code depends on; Slack's schema checks the rest. */
const ManifestSubset = z.object({
  features: z.object({
    app_home: z.object({ home_tab_enabled: z.boolean().optional() }).optional(),
    slash_commands: z
      .array(
        z.object({ command: z.string(), should_escape: z.boolean().optional(), url: z.string().optional() }),
      )
      .optional(),
  }),
  oauth_config: z.object({ scopes: z.object({ bot: z.array(z.string()).optional() }) }),
  settings: z.object({
    socket_mode_enabled: z.boolean().optional(),
    interactivity: z.object({ is_enabled: z.boolean(), request_url: z.string().optional() }).optional(),
    event_subscriptions: z
      .object({ bot_events: z.array(z.string()).optional(), request_url: z.string().optional() })
      .optional(),
  }),
});

/** Differences between a parsed manifest and what the code needs; empty when they agree. */
export function manifestProblems(manifest: unknown): string[] {
  const parsed = ManifestSubset.safeParse(manifest);
  if (!parsed.success) {
    return parsed.error.issues.map((i) => `manifest /${i.path.join("/")}: ${i.message}`);
  }
  const { features, oauth_config, settings } = parsed.data;
  const problems: string[] = [];
  const command = features.slash_commands?.find((c) => c.command === SLASH_COMMAND);
  if (!command) problems.push(`the ${SLASH_COMMAND} slash command is missing`);
  // The tokenizer decodes <@U…|name> escapes; without them a name could not be resolved to a user.
  if (command && command.should_escape !== true) problems.push(`${SLASH_COMMAND} needs should_escape: true`);

  const scopes = new Set(oauth_config.scopes.bot ?? []);
  for (const scope of Object.keys(REQUIRED_BOT_SCOPES)) {
    if (!scopes.has(scope)) problems.push(`bot scope ${scope} is missing (${REQUIRED_BOT_SCOPES[scope]})`);
  }
  for (const scope of scopes) {
    if (!Object.hasOwn(REQUIRED_BOT_SCOPES, scope)) {
      problems.push(`bot scope ${scope} is not used by the code: remove it or add it to REQUIRED_BOT_SCOPES`);
    }
  }

  const events = new Set(settings.event_subscriptions?.bot_events ?? []);
  for (const event of REQUIRED_BOT_EVENTS) {
    if (!events.has(event)) problems.push(`bot event ${event} is not subscribed`);
  }
  if (settings.interactivity?.is_enabled !== true)
    problems.push("interactivity must be enabled for buttons and modals");
  if (features.app_home?.home_tab_enabled !== true) problems.push("the Home tab must be enabled");

  if (settings.socket_mode_enabled === true) {
    const urls = [
      settings.interactivity?.request_url,
      settings.event_subscriptions?.request_url,
      ...(features.slash_commands ?? []).map((c) => c.url),
    ].filter((u) => u !== undefined);
    if (urls.length > 0) problems.push(`socket mode needs no request URLs, found: ${urls.join(", ")}`);
  }
  return problems;
}
