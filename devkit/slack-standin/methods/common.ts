import { z } from "zod";
import { checkSurfaceJson, type LimitViolation, type Surface } from "../../../src/blocks/limits.js";
import type { Workspace } from "../state.js";

/** A Slack `{ ok: false, error }` answer, thrown by a method and turned into JSON by the server. */
export class SlackApiFailure extends Error {
  constructor(
    readonly error: string,
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(error);
    this.name = "SlackApiFailure";
  }
}

export type Args = Readonly<Record<string, unknown>>;
export type ApiBody = Record<string, unknown>;
export type MethodHandler = (args: Args, ws: Workspace) => ApiBody;

export const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;
export const USER_ID = /^[UW][A-Z0-9]{2,}$/;
export const TS = /^\d{10}\.\d{6}$/;

/** Form fields arrive as strings, JSON bodies as booleans; Slack takes both. */
export const boolArg = z.union([
  z.boolean(),
  z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1"),
]);

/**
 * Validates arguments. Slack names some failures after the field (`channel_not_found`), so `codes` maps
 * the first bad field to that error; anything else is `invalid_arguments` with Slack-style messages.
 */
export function parseWith<T extends z.ZodType>(
  schema: T,
  args: Args,
  codes: Readonly<Record<string, string>> = {},
): z.output<T> {
  const result = schema.safeParse(args);
  if (result.success) return result.data;
  const field = String(result.error.issues[0]?.path[0] ?? "");
  const messages = result.error.issues.map((i) => `[ERROR] ${i.message} [json-pointer:/${i.path.join("/")}]`);
  throw new SlackApiFailure(codes[field] ?? "invalid_arguments", { response_metadata: { messages } });
}

/** Block Kit limits as Slack enforces them at the API, reported as Slack does. */
export function enforceLimits(surface: Surface, value: unknown, pointerPrefix: string, error: string): void {
  const violations = checkSurfaceJson(surface, value);
  if (violations.length === 0) return;
  const codeFor = (v: LimitViolation) =>
    v.rule === "messageBlocksText"
      ? "msg_blocks_too_long"
      : v.rule === "messageText"
        ? "msg_too_long"
        : error;
  const first = violations[0];
  throw new SlackApiFailure(first ? codeFor(first) : error, {
    errors: violations.map((v) => `${v.message} [json-pointer:${pointerPrefix}${v.path}]`),
    response_metadata: {
      messages: violations.map((v) => `[ERROR] ${v.message} [json-pointer:${pointerPrefix}${v.path}]`),
    },
  });
}

/**
 * The conversation a message goes to. A user ID means the bot's DM with that user; `#name` is looked up
 * in the directory. Known channels are checked for archive and membership like Slack does.
 */
export function resolveChannel(ws: Workspace, channel: string): string {
  if (USER_ID.test(channel)) return `D${channel.slice(1)}`;
  const byName = channel.startsWith("#")
    ? [...ws.channels.values()].find((c) => c.name === channel.slice(1))
    : undefined;
  const id = byName?.id ?? channel;
  if (!CHANNEL_ID.test(id)) throw new SlackApiFailure("channel_not_found");
  const known = ws.channels.get(id);
  if (!known) {
    if (ws.strictChannels && !id.startsWith("D")) throw new SlackApiFailure("channel_not_found");
    return id;
  }
  if (known.isArchived) throw new SlackApiFailure("is_archived");
  if (known.isMember === false) throw new SlackApiFailure("not_in_channel");
  return id;
}

/** A JSON array of objects that each have a string `type`; anything else is invalid_blocks_format. */
export const blocksArg = z.array(z.looseObject({ type: z.string() }));

/** Message metadata as Slack requires it; anything else is invalid_metadata_format. */
export const metadataArg = z.object({
  event_type: z.string().min(1),
  event_payload: z.record(z.string(), z.unknown()),
});
