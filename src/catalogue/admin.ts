import { z } from "zod";
import { kubeNameProblem } from "../api/deploy/validators.js";
import { allocationId } from "../api/orchestration/schemas.js";
import { NOTIFICATION_EVENTS, type NotificationEvent } from "./events.js";
import type { Tokens } from "./parse.js";

/**
 * opsbot's own commands, which act on opsbot rather than a backend: change freezes (`lock`, `unlock`)
 * and the audit log (`audit`). Their permission names are the bare words `lock`, `unlock` and `audit`.
 */

export type LockTargetKind = "namespace" | "allocation";

export interface LockTarget {
  readonly kind: LockTargetKind;
  readonly name: string;
}

export type AdminCommand =
  | { readonly kind: "locks" }
  | {
      readonly kind: "lock";
      readonly target: LockTarget;
      readonly reason: string;
      /** Epoch ms; undefined locks until unlocked. */
      readonly until?: number;
    }
  | { readonly kind: "unlock"; readonly target: LockTarget }
  | { readonly kind: "subscriptions" }
  | {
      readonly kind: "subscribe" | "unsubscribe";
      readonly event: NotificationEvent;
      readonly channelId?: string;
    }
  | {
      readonly kind: "audit";
      readonly user?: string;
      readonly operation?: string;
      /** Epoch ms. */
      readonly since?: number;
      readonly limit: number;
      readonly format: "list" | "csv" | "json";
    };

export type AdminParse =
  | { readonly ok: true; readonly command: AdminCommand }
  | { readonly ok: false; readonly message: string; readonly usage: string };

export const ADMIN_WORDS = ["lock", "unlock", "audit", "subscribe", "unsubscribe"] as const;
export type AdminWord = (typeof ADMIN_WORDS)[number];

export const ADMIN_USAGE: Readonly<Record<AdminWord, string>> = {
  lock: '/ops lock [namespace <name> | allocation <id>] --reason "<why>" [--until <18:00 | 2h | 2026-12-01T09:00Z>]',
  unlock: "/ops unlock namespace <name> | allocation <id>",
  audit:
    "/ops audit [--user @someone] [--operation resource:verb] [--since 1h] [--limit 20] [--format list|csv|json]",
  subscribe: `/ops subscribe [<${NOTIFICATION_EVENTS.join("|")}> [#channel]]`,
  unsubscribe: "/ops unsubscribe <event> [#channel]",
};

const MAX_LOCK_MS = 30 * 24 * 3_600_000;

export function isAdminWord(word: string): word is AdminWord {
  return (ADMIN_WORDS as readonly string[]).includes(word);
}

/** Parses `/ops lock|unlock|audit …` (the word itself already taken off `tokens`). */
export function parseAdminCommand(word: AdminWord, tokens: Tokens, now: number): AdminParse {
  const usage = ADMIN_USAGE[word];
  const fail = (message: string): AdminParse => ({ ok: false, message, usage });
  const flags = new Map([...tokens.flags].map(([k, v]) => [k.toLowerCase(), v]));
  const single = (name: string): string | undefined | Error => {
    const values = flags.get(name);
    if (values === undefined) return undefined;
    if (values.length !== 1) return new Error(`\`--${name}\` was given ${values.length} times.`);
    return values[0];
  };
  const allowed: Readonly<Record<AdminWord, readonly string[]>> = {
    lock: ["reason", "until"],
    unlock: [],
    subscribe: [],
    unsubscribe: [],
    audit: ["user", "operation", "since", "limit", "format"],
  };
  const unknown = [...flags.keys()].find((f) => !allowed[word].includes(f));
  if (unknown) return fail(`\`${word}\` has no flag \`--${unknown}\`.`);

  if (word === "audit") {
    if (tokens.positionals.length > 0)
      return fail(`\`audit\` takes only flags, not \`${tokens.positionals[0]}\`.`);
    const user = single("user");
    const operation = single("operation");
    const since = single("since");
    const limit = single("limit");
    const format = single("format");
    for (const v of [user, operation, since, limit, format]) if (v instanceof Error) return fail(v.message);
    const command: {
      -readonly [K in keyof Extract<AdminCommand, { kind: "audit" }>]: Extract<
        AdminCommand,
        { kind: "audit" }
      >[K];
    } = {
      kind: "audit",
      limit: 20,
      format: "list",
    };
    if (typeof user === "string") {
      if (!/^[UW][A-Z0-9]{2,}$/.test(user))
        return fail("`--user` must be a Slack user: mention them (`@name`).");
      command.user = user;
    }
    if (typeof operation === "string") {
      if (!/^[a-z*][a-z0-9*-]*(:[a-z*][a-z0-9*-]*)?$/.test(operation))
        return fail("`--operation` must look like `resource:verb` (e.g. `task:deploy`).");
      command.operation = operation;
    }
    if (typeof since === "string") {
      const ms = durationMs(since);
      if (ms === undefined) return fail("`--since` must be a duration like `30m`, `2h` or `7d`.");
      command.since = now - ms;
    }
    if (typeof limit === "string") {
      const n = Number(limit);
      if (!Number.isInteger(n) || n < 1 || n > 1_000)
        return fail("`--limit` must be a whole number from 1 to 1000.");
      command.limit = n;
    }
    if (typeof format === "string") {
      if (format !== "list" && format !== "csv" && format !== "json")
        return fail("`--format` must be list, csv or json.");
      command.format = format;
    }
    return { ok: true, command };
  }

  if (word === "subscribe" || word === "unsubscribe") {
    const [event, channel, ...rest] = tokens.positionals;
    if (word === "subscribe" && event === undefined) return { ok: true, command: { kind: "subscriptions" } };
    if (!isNotificationEvent(event))
      return fail(`Name an event: ${NOTIFICATION_EVENTS.map((e) => `\`${e}\``).join(", ")}.`);
    if (channel !== undefined && !/^[CG][A-Z0-9]{2,}$/.test(channel))
      return fail("The channel must be a channel mention (`#ops`).");
    if (rest.length > 0) return fail(`Too many arguments: \`${rest.join(" ")}\` was not expected.`);
    return { ok: true, command: { kind: word, event, ...(channel ? { channelId: channel } : {}) } };
  }
  if (word === "lock" && tokens.positionals.length === 0 && flags.size === 0)
    return { ok: true, command: { kind: "locks" } };
  const target = lockTarget(tokens.positionals);
  if ("problem" in target) return fail(target.problem);
  if (word === "unlock") return { ok: true, command: { kind: "unlock", target } };

  const reason = single("reason");
  if (reason instanceof Error) return fail(reason.message);
  if (reason === undefined || reason.trim() === "")
    return fail('Say why with `--reason "…"`: it is shown to everyone refused.');
  if (reason.length > 500) return fail("`--reason` must be at most 500 characters.");
  const untilText = single("until");
  if (untilText instanceof Error) return fail(untilText.message);
  if (untilText === undefined) return { ok: true, command: { kind: "lock", target, reason: reason.trim() } };
  const until = untilOf(untilText, now);
  if (until === undefined)
    return fail(
      "`--until` must be a time of day (`18:00`, UTC), a duration (`2h`) or a date-time (`2026-12-01T09:00Z`).",
    );
  if (until <= now) return fail("`--until` must be in the future.");
  if (until - now > MAX_LOCK_MS) return fail("`--until` must be within 30 days.");
  return { ok: true, command: { kind: "lock", target, reason: reason.trim(), until } };
}

function lockTarget(positionals: readonly string[]): LockTarget | { problem: string } {
  const [kind, name, ...rest] = positionals;
  if (kind !== "namespace" && kind !== "allocation")
    return { problem: "Name what to lock: `namespace <name>` or `allocation <id>`." };
  if (name === undefined) return { problem: `Give the ${kind} ${kind === "namespace" ? "name" : "ID"}.` };
  if (rest.length > 0) return { problem: `Too many arguments: \`${rest.join(" ")}\` was not expected.` };
  if (kind === "namespace") {
    const problem = kubeNameProblem(name);
    return problem ? { problem: `The namespace ${problem}.` } : { kind, name };
  }
  const parsed = allocationId.safeParse(name);
  return parsed.success ? { kind, name: parsed.data } : { problem: "The allocation must be a UUID." };
}

const DURATION = z.string().regex(/^(\d{1,6})(s|m|h|d)$/);
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `90s`, `30m`, `2h`, `7d` in milliseconds. */
export function durationMs(text: string): number | undefined {
  const parsed = DURATION.safeParse(text.trim().toLowerCase());
  if (!parsed.success) return undefined;
  const match = /^(\d+)([smhd])$/.exec(parsed.data);
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** `18:00` (the next such time, UTC), a duration from now, or an ISO date-time with a zone. */
function untilOf(text: string, now: number): number | undefined {
  const clock = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (clock) {
    const day = new Date(now);
    let at = Date.UTC(
      day.getUTCFullYear(),
      day.getUTCMonth(),
      day.getUTCDate(),
      Number(clock[1]),
      Number(clock[2]),
    );
    if (at <= now) at += 86_400_000;
    return at;
  }
  const duration = durationMs(text);
  if (duration !== undefined) return now + duration;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(text.trim()))
    return undefined;
  const ms = Date.parse(text.trim());
  return Number.isNaN(ms) ? undefined : ms;
}

function isNotificationEvent(value: string | undefined): value is NotificationEvent {
  return (NOTIFICATION_EVENTS as readonly (string | undefined)[]).includes(value);
}
