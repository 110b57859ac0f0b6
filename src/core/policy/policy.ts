import { createHash } from "node:crypto";
import { channelMention, usergroupMention, userMention } from "../../blocks/text.js";
import type { NotificationEvent } from "../../catalogue/events.js";
import { canonicalJson } from "./fingerprint.js";
import { type Standing, standingNote } from "./member.js";
import { globMatches, matchesAny } from "./patterns.js";

/**
 * Who may do what, and which operations need approvals: the permissions file (policy-file.ts) read
 * into this shape, and the pure decisions made on it. Nothing here talks to Slack or the store.
 */

export { NOTIFICATION_EVENTS, type NotificationEvent } from "../../catalogue/events.js";

export interface Grant {
  readonly role: string;
  readonly everyone: boolean;
  readonly users: readonly string[];
  readonly usergroups: readonly string[];
  /** Where the grant applies; undefined: every channel. */
  readonly channels?: readonly string[];
}

export interface ApprovalRule {
  readonly index: number;
  /** The name shown: the file's `name`, else its `id`, else `rule N`. */
  readonly name: string;
  /** The file's `id`: a pending request finds its rule again by it, wherever the rule moves. */
  readonly id?: string;
  /** The file gave `name` (rather than it being made up from the `id` or the position). */
  readonly named: boolean;
  /** A digest of what the rule decides (see ruleDigest): an unnamed rule is known by it and its position. */
  readonly digest: string;
  readonly match: readonly string[];
  /** Conditions on the target (`namespace`, `allocation`) or an argument, as `*` globs. */
  readonly when: Readonly<Record<string, string>>;
  readonly approvers: { readonly users: readonly string[]; readonly usergroups: readonly string[] };
  readonly required: number;
  readonly expiresAfterMs: number;
  readonly allowSelfApproval: boolean;
  /** A channel also told about each request. */
  readonly notify?: string;
}

export interface FollowUpPolicy {
  readonly pollIntervalMs?: number;
  readonly timeoutMs?: number;
  readonly maxRequestsPerSecond?: {
    readonly deploy?: number | undefined;
    readonly calyptia?: number | undefined;
    readonly orchestration?: number | undefined;
  };
}

export interface Policy {
  /** The file it was read from, or "default" when none is configured. */
  readonly source: string;
  readonly roles: ReadonlyMap<string, readonly string[]>;
  readonly grants: readonly Grant[];
  readonly approvals: readonly ApprovalRule[];
  readonly notifications: readonly {
    readonly channel: string;
    readonly events: readonly NotificationEvent[];
  }[];
  readonly identityOverrides: Readonly<Record<string, string>>;
  readonly followups: FollowUpPolicy;
}

/** The built-in rule change-freeze overrides fall under; the file may not use its name or id. */
export const OVERRIDE_RULE_NAME = "change-freeze override";
export const OVERRIDE_RULE_ID = "change-freeze-override";

/**
 * What a rule decides (what it matches, when, who approves, how many), as a short digest: a rule known
 * only by its position is found again only if it is still the same rule there.
 */
export function ruleDigest(
  rule: Pick<ApprovalRule, "match" | "when" | "approvers" | "required" | "allowSelfApproval">,
): string {
  const { match, when, approvers, required, allowSelfApproval } = rule;
  return createHash("sha256")
    .update(canonicalJson({ match, when, approvers, required, allowSelfApproval }))
    .digest("hex")
    .slice(0, 16);
}

/** Reads for everyone, nothing else: what opsbot does without a permissions file. */
export const READ_PATTERNS = [
  "*:list",
  "*:get",
  "*:state",
  "*:loading",
  "*:templates",
  "*:template",
  "help",
  "whoami",
];

export const DEFAULT_POLICY: Policy = {
  source: "default",
  roles: new Map([["viewer", READ_PATTERNS]]),
  grants: [{ role: "viewer", everyone: true, users: [], usergroups: [] }],
  approvals: [],
  notifications: [],
  identityOverrides: {},
  followups: {},
};

/** What whoami and every refusal say while no permissions file is configured. */
export const DEFAULT_POLICY_NOTE =
  "opsbot runs without a permissions file: read-only for everyone, and nothing that changes anything is allowed until an operator grants it in the file OPSBOT_CONFIG names.";

export interface Subject {
  readonly userId: string;
  readonly channelId: string;
  readonly groups: ReadonlySet<string>;
  /** What Slack says the account is (member.ts): only full members count in `everyone` and groups. */
  readonly standing: Standing;
}

/**
 * Guests, outsiders, deactivated accounts and bots hold a grant only when it names their user ID:
 * `everyone` and user groups (which a guest may be added to) never reach them.
 */
function grantedTo(grant: Grant, subject: Subject): boolean {
  if (grant.users.includes(subject.userId)) return true;
  if (subject.standing !== "member") return false;
  return grant.everyone || grant.usergroups.some((g) => subject.groups.has(g));
}

function appliesIn(grant: Grant, channelId: string): boolean {
  return grant.channels === undefined || grant.channels.includes(channelId);
}

/** Roles the subject holds in its channel. */
export function rolesOf(policy: Policy, subject: Subject): string[] {
  const roles = policy.grants
    .filter((g) => grantedTo(g, subject) && appliesIn(g, subject.channelId))
    .map((g) => g.role);
  return [...new Set(roles)];
}

export type Decision =
  | { readonly allowed: true; readonly role: string }
  | { readonly allowed: false; readonly message: string; readonly neededRoles: readonly string[] };

export function authorize(policy: Policy, subject: Subject, operationId: string): Decision {
  const allowing = [...policy.roles]
    .filter(([, patterns]) => matchesAny(patterns, operationId))
    .map(([role]) => role);
  const held = rolesOf(policy, subject);
  const role = held.find((r) => allowing.includes(r));
  if (role) return { allowed: true, role };
  const op = `\`${operationId}\``;
  if (subject.standing !== "member")
    return {
      allowed: false,
      neededRoles: allowing,
      message: `${op} is not allowed. ${standingNote(subject.standing)}`,
    };
  if (policy.source === "default")
    return { allowed: false, neededRoles: allowing, message: `${op} is not allowed: ${DEFAULT_POLICY_NOTE}` };
  if (allowing.length === 0)
    return {
      allowed: false,
      neededRoles: [],
      message: `No role allows ${op}. ${capitalised(grantorsLine(policy))}`,
    };
  const elsewhere = policy.grants.filter(
    (g) => allowing.includes(g.role) && grantedTo(g, subject) && !appliesIn(g, subject.channelId),
  );
  const needed = `${op} needs the ${orList(allowing)} role`;
  if (elsewhere.length > 0) {
    const channels = [...new Set(elsewhere.flatMap((g) => g.channels ?? []))].map(channelMention);
    return {
      allowed: false,
      neededRoles: allowing,
      message: `${needed}, which you have only in ${orList(channels)}: run it there, or ${grantorsLine(policy, "here")}`,
    };
  }
  return {
    allowed: false,
    neededRoles: allowing,
    message: `${needed}. ${capitalised(grantorsLine(policy))}`,
  };
}

/** Who can change the permissions: the holders of roles that allow everything. */
function grantorsLine(policy: Policy, where?: string): string {
  const adminRoles = [...policy.roles].filter(([, patterns]) => patterns.includes("*")).map(([role]) => role);
  const people = policy.grants
    .filter((g) => adminRoles.includes(g.role))
    .flatMap((g) => [...g.users.map(userMention), ...g.usergroups.map(usergroupMention)]);
  const unique = [...new Set(people)];
  const grant = where ? `grant it ${where}` : "grant it";
  return unique.length > 0
    ? `ask ${orList(unique)} (opsbot admins) to ${grant} in opsbot's permissions file.`
    : `ask whoever runs opsbot to ${grant} in its permissions file.`;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function orList(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

export interface ConditionFacts {
  readonly target: { readonly namespace?: string | undefined; readonly allocation?: string | undefined };
  readonly args: Readonly<Record<string, unknown>>;
}

/** The first rule whose patterns match the operation and whose `when` conditions all hold. */
export function approvalRuleFor(
  policy: Policy,
  operationId: string,
  facts: ConditionFacts,
): ApprovalRule | undefined {
  return policy.approvals.find(
    (rule) =>
      matchesAny(rule.match, operationId) &&
      Object.entries(rule.when).every(([key, glob]) => holds(key, glob, facts)),
  );
}

/**
 * A condition holds when the value is there and matches. `namespace` and `allocation` are the call's
 * target (what a change freeze would also look at), falling back on an argument of that name. A list
 * (a repeatable flag) holds when any of its items does, so adding a harmless item cannot dodge a rule.
 */
function holds(key: string, glob: string, facts: ConditionFacts): boolean {
  const value =
    key === "namespace" || key === "allocation" ? (facts.target[key] ?? facts.args[key]) : facts.args[key];
  const values = Array.isArray(value) ? value : [value];
  return values.some((item) => {
    const text = textOf(item);
    return text !== undefined && globMatches(glob, text);
  });
}

function textOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  return JSON.stringify(value);
}

export function mayApprove(
  rule: Pick<ApprovalRule, "approvers">,
  subject: Pick<Subject, "userId" | "groups" | "standing">,
): boolean {
  if (rule.approvers.users.includes(subject.userId)) return true;
  return subject.standing === "member" && rule.approvers.usergroups.some((g) => subject.groups.has(g));
}

/** The rule's approvers as Slack mentions. */
export function approversText(rule: Pick<ApprovalRule, "approvers">): string {
  return orList([
    ...rule.approvers.users.map(userMention),
    ...rule.approvers.usergroups.map(usergroupMention),
  ]);
}

export function groupsReferenced(policy: Policy): Set<string> {
  return new Set([
    ...policy.grants.flatMap((g) => g.usergroups),
    ...policy.approvals.flatMap((r) => r.approvers.usergroups),
  ]);
}

export function notificationChannels(policy: Policy, event: NotificationEvent): string[] {
  return [...new Set(policy.notifications.filter((n) => n.events.includes(event)).map((n) => n.channel))];
}
