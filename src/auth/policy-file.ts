import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { isMap, isScalar, LineCounter, type Node, parseDocument } from "yaml";
import { z } from "zod";
import { durationMs } from "../ops/admin.js";
import { closest } from "../ops/catalogue.js";
import { isPattern, matches } from "./patterns.js";
import { type ApprovalRule, type Grant, NOTIFICATION_EVENTS, type Policy } from "./policy.js";

/**
 * The permissions file (`OPSBOT_CONFIG`, YAML), validated at start-up. Every problem is reported with
 * its line, column and key, all at once, so an operator fixes the file in one go.
 */

export interface PolicyProblem {
  readonly line: number;
  readonly column: number;
  readonly key: string;
  readonly message: string;
}

export class PolicyFileError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly PolicyProblem[],
  ) {
    super(
      [`${source} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:`]
        .concat(
          problems.map((p) => `  ${source}:${p.line}:${p.column} ${p.key ? `${p.key}: ` : ""}${p.message}`),
        )
        .join("\n"),
    );
    this.name = "PolicyFileError";
  }
}

export interface PolicyOptions {
  /** Shown in problems and kept as Policy.source. */
  readonly source: string;
  /** Operation ids and opsbot's own commands: a pattern that matches none of them is a mistake. */
  readonly knownOperations: readonly string[];
}

const slackId = (re: RegExp, what: string) =>
  z
    .string()
    .regex(
      re,
      `must be a Slack ${what} ID like ${what === "user" ? "U0123ABC" : what === "user group" ? "S0123ABC" : "C0123ABC"}`,
    );
const UserId = slackId(/^[UW][A-Z0-9]{2,}$/, "user");
const GroupId = slackId(/^S[A-Z0-9]{2,}$/, "user group");
const ChannelId = slackId(/^[CGD][A-Z0-9]{2,}$/, "channel");
const RoleName = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, "must be a lowercase name like operator");
const Duration = z.string().transform((text, ctx) => {
  const ms = durationMs(text);
  if (ms === undefined || ms === 0) {
    ctx.addIssue({ code: "custom", message: "must be a duration like 90s, 30m, 2h or 1d" });
    return z.NEVER;
  }
  return ms;
});

function fileSchema(known: readonly string[]) {
  const Pattern = z.string().superRefine((text, ctx) => {
    if (!isPattern(text)) {
      ctx.addIssue({ code: "custom", message: "must be *, a word, or resource:verb (either side may be *)" });
      return;
    }
    if (!known.some((id) => matches(text, id))) {
      const guess = closest(text, [...known]);
      ctx.addIssue({
        code: "custom",
        message: `matches no operation${guess ? `; did you mean ${guess}?` : ""}`,
      });
    }
  });
  const Who = z
    .strictObject({
      everyone: z.literal(true).optional(),
      users: z.array(UserId).optional(),
      usergroups: z.array(GroupId).optional(),
    })
    .refine(
      (w) => w.everyone || (w.users?.length ?? 0) + (w.usergroups?.length ?? 0) > 0,
      "name users, usergroups or everyone: true",
    );
  const Approvers = z
    .strictObject({ users: z.array(UserId).optional(), usergroups: z.array(GroupId).optional() })
    .refine((w) => (w.users?.length ?? 0) + (w.usergroups?.length ?? 0) > 0, "name users or usergroups");
  return z.strictObject({
    identity: z
      .strictObject({ overrides: z.record(UserId, z.string().trim().min(1).max(320)).optional() })
      .optional(),
    roles: z.record(RoleName, z.array(Pattern).min(1, "list at least one operation pattern")).optional(),
    grants: z
      .array(z.strictObject({ role: RoleName, to: Who, channels: z.array(ChannelId).min(1).optional() }))
      .optional(),
    approvals: z
      .array(
        z.strictObject({
          name: z.string().trim().min(1).max(100).optional(),
          match: z.array(Pattern).min(1, "list at least one operation pattern"),
          when: z
            .record(
              z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*$/, "must be namespace, allocation or an argument name"),
              z.string().min(1),
            )
            .optional(),
          approvers: Approvers,
          required: z.number().int().min(1).max(10).default(1),
          expires_after: Duration.default(3_600_000),
          allow_self_approval: z.boolean().default(false),
          notify: ChannelId.optional(),
        }),
      )
      .optional(),
    notifications: z
      .array(z.strictObject({ channel: ChannelId, events: z.array(z.enum(NOTIFICATION_EVENTS)).min(1) }))
      .optional(),
    followups: z
      .strictObject({
        poll_interval: Duration.optional(),
        timeout: Duration.optional(),
        max_requests_per_second: z
          .strictObject({
            deploy: z.number().positive().optional(),
            calyptia: z.number().positive().optional(),
            orchestration: z.number().positive().optional(),
          })
          .optional(),
      })
      .optional(),
  });
}

/**
 * Rules across sections, checked on the raw data even when other parts are malformed, so that every
 * problem is reported in one go: grants name defined roles, and a rule listing only users can reach
 * its `required` count.
 */
function crossProblems(data: unknown): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const record = (v: unknown): Record<string, unknown> =>
    v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const file = record(data);
  const roles = Object.keys(record(file.roles));
  list(file.grants).forEach((grant, i) => {
    const role = record(grant).role;
    if (typeof role === "string" && !roles.includes(role)) {
      const guess = closest(role, roles);
      problems.push({
        path: ["grants", i, "role"],
        message: `is not defined under roles${guess ? `; did you mean ${guess}?` : ""}`,
      });
    }
  });
  list(file.approvals).forEach((raw, i) => {
    const rule = record(raw);
    const approvers = record(rule.approvers);
    const users = list(approvers.users).length;
    const required = typeof rule.required === "number" ? rule.required : 1;
    if (list(approvers.usergroups).length === 0 && users > 0 && users < required)
      problems.push({
        path: ["approvals", i, "required"],
        message: `needs ${required} approvers but only ${users} user${users === 1 ? " is" : "s are"} listed`,
      });
  });
  return problems;
}

export function parsePolicy(text: string, options: PolicyOptions): Policy {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number) => lineCounter.linePos(offset);
  const problems: PolicyProblem[] = doc.errors.map((e) => {
    const { line, col } = at(e.pos[0]);
    return { line, column: col, key: "", message: e.message.split("\n")[0] ?? e.message };
  });
  if (problems.length > 0) throw new PolicyFileError(options.source, problems);
  const data: unknown = doc.toJS() ?? {};
  const parsed = fileSchema(options.knownOperations).safeParse(data);
  const cross = crossProblems(data);
  if (!parsed.success || cross.length > 0) {
    const issues: { path: (string | number)[]; message: string; unknownKeys?: string[] }[] = [
      ...(parsed.success ? [] : parsed.error.issues).map((issue) => ({
        path: issue.path.filter((p): p is string | number => typeof p !== "symbol"),
        message:
          issue.code === "unrecognized_keys"
            ? `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`
            : issue.message,
        ...(issue.code === "unrecognized_keys" ? { unknownKeys: issue.keys } : {}),
      })),
      ...cross,
    ];
    const problems = issues.map((issue) => {
      const { node } = nearestNode(doc.contents, issue.path, issue.unknownKeys);
      const { line, col } = node?.range ? at(node.range[0]) : { line: 1, col: 1 };
      return { line, column: col, key: keyOf(issue.path), message: issue.message };
    });
    throw new PolicyFileError(
      options.source,
      problems.sort((x, y) => x.line - y.line || x.column - y.column),
    );
  }
  if (!parsed.success) throw new Error("unreachable");
  const file = parsed.data;
  const grants: Grant[] = (file.grants ?? []).map((g) => ({
    role: g.role,
    everyone: g.to.everyone === true,
    users: g.to.users ?? [],
    usergroups: g.to.usergroups ?? [],
    ...(g.channels ? { channels: g.channels } : {}),
  }));
  const approvals: ApprovalRule[] = (file.approvals ?? []).map((r, index) => ({
    index,
    name: r.name ?? `rule ${index + 1}`,
    match: r.match,
    when: r.when ?? {},
    approvers: { users: r.approvers.users ?? [], usergroups: r.approvers.usergroups ?? [] },
    required: r.required,
    expiresAfterMs: r.expires_after,
    allowSelfApproval: r.allow_self_approval,
    ...(r.notify ? { notify: r.notify } : {}),
  }));
  const f = file.followups;
  return {
    source: options.source,
    roles: new Map(Object.entries(file.roles ?? {})),
    grants,
    approvals,
    notifications: file.notifications ?? [],
    identityOverrides: file.identity?.overrides ?? {},
    followups: {
      ...(f?.poll_interval ? { pollIntervalMs: f.poll_interval } : {}),
      ...(f?.timeout ? { timeoutMs: f.timeout } : {}),
      ...(f?.max_requests_per_second ? { maxRequestsPerSecond: f.max_requests_per_second } : {}),
    },
  };
}

export function loadPolicyFile(path: string, options: Omit<PolicyOptions, "source">): Policy {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(error);
    throw new PolicyFileError(basename(path), [
      { line: 1, column: 1, key: "", message: `cannot be read (${reason})` },
    ]);
  }
  return parsePolicy(text, { ...options, source: path });
}

/** `approvals[1].expires_after` */
function keyOf(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/**
 * The YAML node a zod issue points at, or its nearest ancestor that exists (a missing key is reported
 * where its parent is). For unknown keys, the first such key's own node.
 */
function nearestNode(
  root: unknown,
  path: readonly (string | number)[],
  unknownKeys: readonly string[] | undefined,
): { node: Node | undefined; path: readonly (string | number)[] } {
  let node = root as Node | undefined;
  let depth = 0;
  for (const segment of path) {
    const next = childOf(node, segment);
    if (!next) break;
    node = next;
    depth += 1;
  }
  if (unknownKeys && depth === path.length && isMap(node)) {
    const pair = node.items.find(
      (item) => isScalar(item.key) && unknownKeys.includes(String(item.key.value)),
    );
    if (pair && isScalar(pair.key)) return { node: pair.key, path };
  }
  return { node, path: path.slice(0, depth) };
}

function childOf(node: Node | undefined, segment: string | number): Node | undefined {
  if (!node || typeof node !== "object" || !("items" in node)) return undefined;
  const items = (node as { items: unknown[] }).items;
  if (typeof segment === "number") {
    const item = items[segment];
    return item && typeof item === "object" && "range" in item ? (item as Node) : undefined;
  }
  for (const item of items) {
    if (item && typeof item === "object" && "key" in item) {
      const pair = item as { key: unknown; value: unknown };
      if (isScalar(pair.key) && String(pair.key.value) === segment)
        return (pair.value as Node | null) ?? (pair.key as Node);
    }
  }
  return undefined;
}
