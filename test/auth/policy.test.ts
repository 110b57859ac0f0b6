import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { globMatches, isPattern, matches } from "../../src/auth/patterns.js";
import {
  approvalRuleFor,
  authorize,
  DEFAULT_POLICY,
  groupsReferenced,
  mayApprove,
  notificationChannels,
  type Policy,
  rolesOf,
  type Subject,
} from "../../src/auth/policy.js";
import { loadPolicyFile, PolicyFileError, parsePolicy } from "../../src/auth/policy-file.js";
import { createCatalogue } from "../../src/ops/index.js";

const KNOWN = [...createCatalogue().operations.map((o) => o.id), "help", "whoami", "lock", "unlock", "audit"];
const parse = (text: string) => parsePolicy(text, { source: "opsbot.yml", knownOperations: KNOWN });
const example = (): Policy => loadPolicyFile("opsbot.example.yml", { knownOperations: KNOWN });
const who = (userId: string, channelId = "C0GENERAL", groups: string[] = []): Subject => ({
  userId,
  channelId,
  groups: new Set(groups),
});

function problemsOf(text: string) {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof PolicyFileError) return error.problems;
    throw error;
  }
  throw new Error("parsed without problems");
}

describe("patterns", () => {
  it.each([
    ["*", "task:deploy", true],
    ["*", "lock", true],
    ["*:list", "task:list", true],
    ["*:list", "lock", false],
    ["allocation:*", "allocation:enable", true],
    ["allocation:*", "payload:delete", false],
    ["task", "task:deploy", true],
    ["lock", "lock", true],
    ["lock", "unlock", false],
    ["task:deploy", "task:deploy-config", false],
  ])("%s against %s: %s", (pattern, id, expected) => {
    expect(matches(pattern, id)).toBe(expected);
  });

  it("knows a pattern from a typo", () => {
    for (const good of ["*", "help", "task:*", "*:delete", "deploy-config"])
      expect(isPattern(good)).toBe(true);
    for (const bad of ["", "Task:deploy", "task:", ":list", "a:b:c", "task deploy", "**"])
      expect(isPattern(bad)).toBe(false);
  });

  it("globs match whole values with * only", () => {
    expect(globMatches("prod*", "prod-eu")).toBe(true);
    expect(globMatches("prod*", "preprod")).toBe(false);
    expect(globMatches("a.b", "axb")).toBe(false);
  });
});

describe("the permissions file", () => {
  it("reads the shipped example", () => {
    const policy = example();
    expect([...policy.roles.keys()]).toEqual(["viewer", "operator", "admin"]);
    expect(policy.identityOverrides).toEqual({ U0123ABC: "alice@example.com" });
    expect(policy.approvals.map((r) => [r.name, r.required, r.expiresAfterMs, r.allowSelfApproval])).toEqual([
      ["destructive changes", 1, 30 * 60_000, false],
      ["production deploys", 2, 3_600_000, false],
      ["labels on reserved payloads", 1, 2 * 3_600_000, true],
    ]);
    expect(notificationChannels(policy, "approval.expired")).toEqual(["C0ALERTS"]);
    expect(notificationChannels(policy, "operation.succeeded")).toEqual([]);
    expect([...groupsReferenced(policy)].sort()).toEqual(["S0OPS", "S0SRE"]);
  });

  it("reports every problem with its line, column and key", () => {
    const problems = problemsOf(
      [
        "roles:", //                                     1
        '  viewer: ["*:lsit"]', //                       2
        "  ops: []", //                                  3
        "grants:", //                                    4
        "  - { role: viewr, to: { everyone: true } }", // 5
        "  - role: viewer", //                           6
        "    to: { users: [alice] }", //                 7
        "approvals:", //                                 8
        '  - match: ["task:deploy"]', //                 9
        "    approvers: { users: [U0LEAD1] }", //        10
        "    required: 2", //                            11
        "    expires_after: soon", //                    12
        "    colour: red", //                            13
      ].join("\n"),
    );
    expect(problems.map((p) => `${p.line}:${p.column} ${p.key}: ${p.message}`)).toEqual([
      "2:12 roles.viewer[0]: matches no operation",
      "3:8 roles.ops: list at least one operation pattern",
      "5:13 grants[0].role: is not defined under roles; did you mean viewer?",
      "7:19 grants[1].to.users[0]: must be a Slack user ID like U0123ABC",
      "11:15 approvals[0].required: needs 2 approvers but only 1 user is listed",
      "12:20 approvals[0].expires_after: must be a duration like 90s, 30m, 2h or 1d",
      "13:5 approvals[0]: unknown key colour",
    ]);
  });

  it("reports YAML errors and duplicate keys with their line", () => {
    expect(problemsOf("roles:\n  a: [help]\n  a: [whoami]\n")[0]).toMatchObject({ line: 3 });
    expect(problemsOf("roles: [\n")[0]?.line).toBeGreaterThanOrEqual(1);
    expect(problemsOf("rolez: {}\n")[0]).toMatchObject({ line: 1, message: "unknown key rolez" });
  });

  it("says which file could not be read", () => {
    expect(() => loadPolicyFile("/nonexistent/opsbot.yml", { knownOperations: KNOWN })).toThrow(
      /no such file/,
    );
  });

  it("refuses grants to nobody and rules without approvers", () => {
    const problems = problemsOf(
      "roles: { a: [help] }\ngrants:\n  - { role: a, to: {} }\napprovals:\n  - { match: [help], approvers: {} }\n",
    );
    expect(problems.map((p) => p.key)).toEqual(["grants[0].to", "approvals[0].approvers"]);
  });
});

describe("authorize", () => {
  it("allows by role, in the grant's channels only, and says where the role applies", () => {
    const policy = example();
    expect(authorize(policy, who("U0123ABC", "C0DEPLOYS"), "task:deploy")).toEqual({
      allowed: true,
      role: "operator",
    });
    const elsewhere = authorize(policy, who("U0123ABC", "C0GENERAL"), "task:deploy");
    expect(elsewhere).toMatchObject({ allowed: false, neededRoles: ["operator", "admin"] });
    if (!elsewhere.allowed) expect(elsewhere.message).toContain("which you have only in <#C0DEPLOYS>");
    expect(authorize(policy, who("U0SOMEONE", "C0DEPLOYS", ["S0OPS"]), "payload:reserve").allowed).toBe(true);
    expect(authorize(policy, who("U0SOMEONE", "C0GENERAL", ["S0SRE"]), "job:delete").allowed).toBe(true);
    expect(rolesOf(policy, who("U0SOMEONE", "C0DEPLOYS", ["S0OPS"]))).toEqual(["viewer", "operator"]);
  });

  it("names the missing role and who can grant it", () => {
    const refused = authorize(example(), who("U0NOBODY"), "job:delete");
    expect(refused.allowed).toBe(false);
    if (!refused.allowed)
      expect(refused.message).toBe(
        "`job:delete` needs the admin role. Ask <!subteam^S0SRE> (opsbot admins) to grant it in opsbot's permissions file.",
      );
  });

  it("without a file, lets everyone read and nobody change anything, and says so", () => {
    expect(authorize(DEFAULT_POLICY, who("U0ANY"), "task:list").allowed).toBe(true);
    expect(authorize(DEFAULT_POLICY, who("U0ANY"), "whoami").allowed).toBe(true);
    const refused = authorize(DEFAULT_POLICY, who("U0ANY"), "task:deploy");
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) expect(refused.message).toContain("without a permissions file");
  });
});

describe("approval rules", () => {
  it("takes the first rule whose patterns and conditions match", () => {
    const policy = example();
    const facts = (namespace?: string, args: Record<string, unknown> = {}) => ({
      target: { namespace },
      args,
    });
    expect(approvalRuleFor(policy, "job:delete", facts("dev"))?.name).toBe("destructive changes");
    expect(approvalRuleFor(policy, "task:deploy", facts("prod-eu"))?.name).toBe("production deploys");
    expect(approvalRuleFor(policy, "task:deploy", facts("staging"))).toBeUndefined();
    expect(approvalRuleFor(policy, "task:list", facts("prod"))).toBeUndefined();
  });

  it("matches conditions on arguments too", () => {
    const policy = parse(
      "approvals:\n  - match: [payload:reserve]\n    when: { selector: 'tier=prod*' }\n    approvers: { usergroups: [S0SRE] }\n",
    );
    expect(
      approvalRuleFor(policy, "payload:reserve", { target: {}, args: { selector: "tier=prod-1" } }),
    ).toBeDefined();
    expect(
      approvalRuleFor(policy, "payload:reserve", { target: {}, args: { selector: "tier=dev" } }),
    ).toBeUndefined();
    expect(approvalRuleFor(policy, "payload:reserve", { target: {}, args: {} })).toBeUndefined();
  });

  it("lets listed users and members of listed groups approve", () => {
    const [destructive, production] = example().approvals;
    if (!destructive || !production) throw new Error("rules");
    expect(mayApprove(destructive, { userId: "U0X", groups: new Set(["S0SRE"]) })).toBe(true);
    expect(mayApprove(destructive, { userId: "U0X", groups: new Set(["S0OPS"]) })).toBe(false);
    expect(mayApprove(production, { userId: "U0LEAD2", groups: new Set() })).toBe(true);
  });
});

describe("opsbot.example.yml", () => {
  it("is the file the README documents", () => {
    expect(readFileSync("README.md", "utf8")).toContain("opsbot.example.yml");
  });
});
