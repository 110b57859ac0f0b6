import { z } from "zod";
import { closest } from "../../catalogue/catalogue.js";
import { durationMs } from "../../catalogue/opsbot/time.js";
import { isPattern, operationsMatched, patternProblem } from "./patterns.js";
import {
  type ApprovalRule,
  type Grant,
  NOTIFICATION_EVENTS,
  type NotificationEvent,
  OVERRIDE_RULE_ID,
  OVERRIDE_RULE_NAME,
  type Policy,
  ruleDigest,
} from "./policy.js";

/**
 * The permissions file's shape (zod) and the rules that span sections, producing problems by path;
 * policy-file.ts turns the paths into lines. Objects are strict: an unknown key is most often a typo
 * that would otherwise silently loosen a rule.
 */

export interface PolicyOptions {
  /** Shown in problems and kept as Policy.source. */
  readonly source: string;
  /** Operation ids and opsbot's own commands: a pattern that matches none of them is a mistake. */
  readonly knownOperations: readonly string[];
  /**
   * Per operation id, the names a `when` condition may test (see `conditionKeysOf`). Given, a condition
   * on a name none of the rule's operations has is an error: it would never hold, so the rule would
   * never ask for an approval.
   */
  readonly conditionKeys?: Readonly<Record<string, readonly string[]>>;
}

/** A problem before it has a line: the path of the offending value, or of the object with an unknown key. */
export interface PathProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
  /** Set for an unknown key: located at the key itself rather than at its object. */
  readonly unknownKey?: string;
  /** The last path segment is a key that is wrong itself: located at that key, not its value. */
  readonly atKey?: boolean;
}

/** The names `when` may test per operation: its arguments, and its target's when it has one. */
export function conditionKeysOf(
  operations: readonly { readonly id: string; readonly args: object; readonly target?: unknown }[],
): Record<string, string[]> {
  return Object.fromEntries(
    operations.map((op) => [
      op.id,
      [...new Set([...(op.target ? ["namespace", "allocation"] : []), ...Object.keys(op.args)])],
    ]),
  );
}

const USER = /^[UW][A-Z0-9]{2,}$/;
const GROUP = /^S[A-Z0-9]{2,}$/;
const CHANNEL = /^[CGD][A-Z0-9]{2,}$/;
const UserId = z.string().regex(USER, "must be a Slack user ID like U0123ABC");
const GroupId = z.string().regex(GROUP, "must be a Slack user group ID like S0123ABC");
const ChannelId = z.string().regex(CHANNEL, "must be a Slack channel ID like C0123ABC");
const ROLE = /^[a-z][a-z0-9_-]{0,39}$/;
const CONDITION_KEY = /^[a-zA-Z][a-zA-Z0-9]*$/;
const RoleName = z.string().regex(ROLE);
const RULE_ID = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const DEFAULT_EXPIRY_MS = 3_600_000;

const Duration = z.string({ error: "must be a duration like 90s, 30m, 2h or 1d" }).transform((text, ctx) => {
  const ms = durationMs(text);
  if (ms === undefined || ms === 0) {
    ctx.addIssue({ code: "custom", message: "must be a duration like 90s, 30m, 2h or 1d" });
    return z.NEVER;
  }
  return ms;
});

const Event = z.enum(NOTIFICATION_EVENTS, {
  error: (issue) => {
    const guess = typeof issue.input === "string" ? closest(issue.input, NOTIFICATION_EVENTS) : undefined;
    return `must be one of ${NOTIFICATION_EVENTS.join(", ")}${guess ? `; did you mean ${guess}?` : ""}`;
  },
});

/** A `when` value: a `*` glob; numbers and booleans as YAML reads them count as their text. */
const Glob = z
  .union([z.string().min(1), z.number(), z.boolean()], { error: "must be a value or a glob like prod*" })
  .transform(String);

const listOf = <T extends z.ZodType>(item: T, example: string) =>
  z.array(item, { error: `must be a list like [${example}]` });
const nonEmpty = <T extends z.ZodType>(item: T, example: string, message: string) =>
  listOf(item, example).min(1, message);
/** A strict map: an unknown key is an error, most often a typo that would otherwise loosen a rule. */
const mapOf = <S extends z.core.$ZodLooseShape>(shape: S) =>
  z.strictObject(shape, {
    error: (issue) => (issue.code === "invalid_type" ? "must be a map of keys" : undefined),
  });
/** A map with free keys, with messages for a wrong key and for not being a map at all. */
const recordOf = <K extends z.core.$ZodRecordKey, V extends z.ZodType>(
  key: K,
  value: V,
  keyMessage: string,
  example: string,
) =>
  z.record(key, value, {
    error: (issue) =>
      issue.code === "invalid_key"
        ? keyMessage
        : issue.code === "invalid_type"
          ? `must be a map like { ${example} }`
          : undefined,
  });

function fileSchema(known: readonly string[]) {
  const Pattern = z
    .string({ error: "must be an operation pattern like task:deploy" })
    .superRefine((text, ctx) => {
      const problem = patternProblem(text, known);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    });
  const Patterns = nonEmpty(Pattern, '"task:deploy"', "list at least one operation pattern");
  const Who = mapOf({
    everyone: z.literal(true, { error: "must be true (leave it out otherwise)" }).optional(),
    users: listOf(UserId, "U0123ABC").optional(),
    usergroups: listOf(GroupId, "S0123ABC").optional(),
  }).refine(
    (w) => w.everyone || (w.users?.length ?? 0) + (w.usergroups?.length ?? 0) > 0,
    "name users, usergroups or everyone: true",
  );
  const Approvers = mapOf({
    users: listOf(UserId, "U0123ABC").optional(),
    usergroups: listOf(GroupId, "S0123ABC").optional(),
  }).refine((w) => (w.users?.length ?? 0) + (w.usergroups?.length ?? 0) > 0, "name users or usergroups");
  const Rule = mapOf({
    id: z
      .string({ error: "must be an id like prod-deploys" })
      .regex(RULE_ID, "must be lowercase letters, digits and dashes, like prod-deploys")
      .optional(),
    name: z.string({ error: "must be a name" }).trim().min(1, "must not be empty").max(100).optional(),
    match: Patterns,
    when: recordOf(
      z.string().regex(CONDITION_KEY),
      Glob,
      "must be namespace, allocation or an argument name like pipelineId",
      "namespace: prod*",
    ).optional(),
    approvers: Approvers,
    required: z
      .number({ error: "must be a whole number from 1 to 10" })
      .int("must be a whole number from 1 to 10")
      .min(1, "must be a whole number from 1 to 10")
      .max(10, "must be a whole number from 1 to 10")
      .default(1),
    expires_after: Duration.default(DEFAULT_EXPIRY_MS),
    allow_self_approval: z.boolean({ error: "must be true or false" }).default(false),
    notify: ChannelId.optional(),
  });
  const perSecond = z.number({ error: "must be a number" }).positive("must be above 0").optional();
  return z.strictObject(
    {
      identity: mapOf({
        overrides: recordOf(
          UserId,
          z.email("must be an email address"),
          "keys must be Slack user IDs like U0123ABC",
          "U0123ABC: alice@example.com",
        ).optional(),
      }).optional(),
      roles: recordOf(
        RoleName,
        Patterns,
        "role names are lowercase words like operator",
        'operator: ["task:deploy"]',
      ).optional(),
      grants: listOf(
        mapOf({
          role: z.string({ error: "must name a role" }),
          to: Who,
          channels: nonEmpty(
            ChannelId,
            "C0123ABC",
            "list at least one channel, or leave channels out",
          ).optional(),
        }),
        "{ role: viewer, to: { everyone: true } }",
      ).optional(),
      approvals: listOf(Rule, "{ match: [...], approvers: {...} }").optional(),
      notifications: listOf(
        mapOf({ channel: ChannelId, events: nonEmpty(Event, "operation.failed", "list at least one event") }),
        "{ channel: C0123ABC, events: [...] }",
      ).optional(),
      // Only shape-checked here, so that a typo stops start-up; the follow-ups read it.
      followups: mapOf({
        poll_interval: Duration.optional(),
        timeout: Duration.optional(),
        max_requests_per_second: mapOf({
          deploy: perSecond,
          calyptia: perSecond,
          orchestration: perSecond,
        }).optional(),
      }).optional(),
    },
    { error: (issue) => (issue.code === "invalid_type" ? "the file must be a map of sections" : undefined) },
  );
}

type FileSchema = ReturnType<typeof fileSchema>;
export type PolicyFileData = z.output<FileSchema>;

/** Validates the file's data; every problem by path, or the policy. */
export function checkPolicyData(
  data: unknown,
  options: PolicyOptions,
): { ok: true; policy: Policy } | { ok: false; problems: PathProblem[] } {
  const schema = fileSchema(options.knownOperations);
  const parsed = schema.safeParse(data);
  const problems: PathProblem[] = parsed.success
    ? []
    : parsed.error.issues.flatMap((i) => fromIssue(i, schema));
  problems.push(...crossProblems(data, options));
  if (!parsed.success || problems.length > 0) return { ok: false, problems };
  return { ok: true, policy: toPolicy(parsed.data, options.source) };
}

function fromIssue(issue: z.core.$ZodIssue, schema: FileSchema): PathProblem[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
  if (issue.code === "invalid_key") return [{ path, message: issue.message, atKey: true }];
  if (issue.code !== "unrecognized_keys") return [{ path, message: issue.message }];
  const allowed = keysAt(schema, path);
  return issue.keys.map((key) => {
    const guess = closest(key, allowed);
    return { path, unknownKey: key, message: `unknown key ${key}${guess ? `; did you mean ${guess}?` : ""}` };
  });
}

/** The keys the schema allows at a path, for "did you mean" on an unknown key. */
function keysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  interface Def {
    readonly type: string;
    readonly shape?: Record<string, z.ZodType>;
    readonly innerType?: z.ZodType;
    readonly element?: z.ZodType;
    readonly valueType?: z.ZodType;
    readonly in?: z.ZodType;
  }
  const unwrap = (wrapped: z.ZodType): Def => {
    let def = wrapped.def as Def;
    for (let i = 0; i < 10; i++) {
      const inner = def.innerType ?? (def.type === "pipe" ? def.in : undefined);
      if (!inner) break;
      def = inner.def as Def;
    }
    return def;
  };
  let def = unwrap(schema);
  for (const segment of path) {
    const next = typeof segment === "number" ? def.element : (def.shape?.[segment] ?? def.valueType);
    if (!next) return [];
    def = unwrap(next);
  }
  return Object.keys(def.shape ?? {});
}

/**
 * Rules across sections, checked on the raw data even when other parts are malformed, so that every
 * problem is reported in one go.
 */
function crossProblems(data: unknown, options: PolicyOptions): PathProblem[] {
  const file = record(data);
  const rules = list(file.approvals).map(record);
  return [
    ...grantRoleProblems(file),
    ...rules.flatMap((rule, i) => requiredProblems(rule, i)),
    ...ruleNameProblems(rules),
    ...(options.conditionKeys
      ? conditionProblems(rules, options.knownOperations, options.conditionKeys)
      : []),
    ...shadowProblems(rules, options.knownOperations),
  ];
}

/** Grants name defined roles. */
function grantRoleProblems(file: Record<string, unknown>): PathProblem[] {
  const roles = Object.keys(record(file.roles));
  return list(file.grants).flatMap((grant, i) => {
    const role = record(grant).role;
    if (typeof role !== "string" || roles.includes(role)) return [];
    const guess = closest(role, roles);
    return [
      {
        path: ["grants", i, "role"],
        message: `is not defined under roles${guess ? `; did you mean ${guess}?` : ""}`,
      },
    ];
  });
}

/** A rule that lists only users can reach its `required` count. */
function requiredProblems(rule: Record<string, unknown>, index: number): PathProblem[] {
  const approvers = record(rule.approvers);
  const users = new Set(list(approvers.users)).size;
  const required = typeof rule.required === "number" ? rule.required : 1;
  if (list(approvers.usergroups).length > 0 || users === 0 || users >= required) return [];
  return [
    {
      path: ["approvals", index, "required"],
      message: `needs ${required} approvers but only ${users} user${users === 1 ? " is" : "s are"} listed`,
    },
  ];
}

function givenName(rule: Record<string, unknown>): string | undefined {
  return typeof rule.name === "string" && rule.name.trim() !== "" ? rule.name.trim() : undefined;
}

/** The name a rule is shown by: its `name`, else its `id`, else its position. */
export function ruleName(rule: Record<string, unknown>, index: number): string {
  return givenName(rule) ?? (typeof rule.id === "string" ? rule.id : `rule ${index + 1}`);
}

/**
 * Names and ids are unique, or a pending request could be approved under another rule's approvers; the
 * built-in override rule's name and id are not the file's to use.
 */
function ruleNameProblems(rules: readonly Record<string, unknown>[]): PathProblem[] {
  const firstName = new Map<string, number>();
  const firstId = new Map<string, number>();
  return rules.flatMap((rule, i): PathProblem[] => {
    const problems: PathProblem[] = [];
    const name = ruleName(rule, i);
    const namePath = rule.name === undefined ? ["approvals", i] : ["approvals", i, "name"];
    if (givenName(rule)?.toLowerCase() === OVERRIDE_RULE_NAME)
      problems.push({
        path: namePath,
        message: `"${OVERRIDE_RULE_NAME}" is the name of opsbot's built-in rule for --force; give this rule another name`,
      });
    const earlierName = firstName.get(name);
    if (earlierName === undefined) firstName.set(name, i);
    else
      problems.push({
        path: namePath,
        message: `${name} is already the name of approvals[${earlierName}]; give each rule its own name (pending requests find their rule by it)`,
      });
    if (typeof rule.id === "string") {
      if (rule.id === OVERRIDE_RULE_ID)
        problems.push({
          path: ["approvals", i, "id"],
          message: `${OVERRIDE_RULE_ID} is the id of opsbot's built-in rule for --force; give this rule another id`,
        });
      const earlierId = firstId.get(rule.id);
      if (earlierId === undefined) firstId.set(rule.id, i);
      else
        problems.push({
          path: ["approvals", i, "id"],
          message: `${rule.id} is already the id of approvals[${earlierId}]; ids are unique (pending requests find their rule by it)`,
        });
    }
    return problems;
  });
}

/** A `when` key none of the rule's operations has would never hold, and the rule never apply. */
function conditionProblems(
  rules: readonly Record<string, unknown>[],
  known: readonly string[],
  conditionKeys: Readonly<Record<string, readonly string[]>>,
): PathProblem[] {
  return rules.flatMap((rule, i) => {
    const ops = operationsMatched(validPatterns(rule.match), known).filter((id) => conditionKeys[id]);
    if (ops.length === 0) return [];
    const offered = [...new Set(ops.flatMap((id) => conditionKeys[id] ?? []))];
    return Object.keys(record(rule.when))
      .filter((key) => CONDITION_KEY.test(key) && !offered.includes(key))
      .map((key) => {
        const guess = closest(key, offered);
        return {
          path: ["approvals", i, "when", key],
          atKey: true,
          message: `no operation this rule matches has ${key}, so it would never hold${guess ? `; did you mean ${guess}?` : ""}`,
        };
      });
  });
}

/** A rule after an unconditional one that already matches all its operations never applies. */
function shadowProblems(rules: readonly Record<string, unknown>[], known: readonly string[]): PathProblem[] {
  const matched = rules.map((rule) => operationsMatched(validPatterns(rule.match), known));
  return rules.flatMap((_, j) => {
    const mine = matched[j] ?? [];
    if (mine.length === 0) return [];
    const earlierIndex = rules.findIndex(
      (earlier, k) =>
        k < j &&
        Object.keys(record(earlier.when)).length === 0 &&
        mine.every((id) => (matched[k] ?? []).includes(id)),
    );
    if (earlierIndex < 0) return [];
    const earlier = rules[earlierIndex] ?? {};
    return [
      {
        path: ["approvals", j, "match"],
        message: `never applies: ${ruleName(earlier, earlierIndex)} (approvals[${earlierIndex}]) comes first and matches all of it; the first matching rule applies`,
      },
    ];
  });
}

function validPatterns(value: unknown): string[] {
  return list(value).filter((p): p is string => typeof p === "string" && isPattern(p));
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function toPolicy(file: PolicyFileData, source: string): Policy {
  const grants: Grant[] = (file.grants ?? []).map((grant) => ({
    role: grant.role,
    everyone: grant.to.everyone === true,
    users: grant.to.users ?? [],
    usergroups: grant.to.usergroups ?? [],
    ...(grant.channels ? { channels: grant.channels } : {}),
  }));
  const approvals: ApprovalRule[] = (file.approvals ?? []).map((rule, index) => {
    const decides = {
      match: rule.match,
      when: rule.when ?? {},
      approvers: { users: rule.approvers.users ?? [], usergroups: rule.approvers.usergroups ?? [] },
      required: rule.required,
      allowSelfApproval: rule.allow_self_approval,
    };
    return {
      index,
      name: ruleName(rule, index),
      ...(rule.id ? { id: rule.id } : {}),
      named: givenName(rule) !== undefined,
      digest: ruleDigest(decides),
      ...decides,
      expiresAfterMs: rule.expires_after,
      ...(rule.notify ? { notify: rule.notify } : {}),
    };
  });
  const followups = file.followups;
  return {
    source,
    roles: new Map(Object.entries(file.roles ?? {})),
    grants,
    approvals,
    notifications: (file.notifications ?? []).map((notification) => ({
      channel: notification.channel,
      events: notification.events satisfies NotificationEvent[],
    })),
    identityOverrides: file.identity?.overrides ?? {},
    followups: {
      ...(followups?.poll_interval ? { pollIntervalMs: followups.poll_interval } : {}),
      ...(followups?.timeout ? { timeoutMs: followups.timeout } : {}),
      ...(followups?.max_requests_per_second
        ? { maxRequestsPerSecond: followups.max_requests_per_second }
        : {}),
    },
  };
}
