import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createCatalogue } from "../../../src/catalogue/index.js";
import { knownOperationIds } from "../../../src/catalogue/parse.js";
import {
  conditionKeysOf,
  loadPolicyFile,
  PolicyFileError,
  parsePolicy,
} from "../../../src/core/policy/policy-file.js";

const operations = createCatalogue().operations;
const OPTIONS = {
  knownOperations: knownOperationIds(createCatalogue()),
  conditionKeys: conditionKeysOf(operations),
};
const parse = (...lines: string[]) => parsePolicy(lines.join("\n"), { source: "opsbot.yml", ...OPTIONS });

function errorOf(...lines: string[]): PolicyFileError {
  try {
    parse(...lines);
  } catch (error) {
    if (error instanceof PolicyFileError) return error;
    throw error;
  }
  throw new Error("parsed without problems");
}

/** Each problem as `line:column key: message`. */
const problems = (...lines: string[]) =>
  errorOf(...lines).problems.map((p) => `${p.line}:${p.column} ${p.key}: ${p.message}`);

describe("opsbot.example.yml", () => {
  const policy = loadPolicyFile("opsbot.example.yml", OPTIONS);

  it("parses, with every section read", () => {
    expect(policy.source).toBe("opsbot.example.yml");
    expect([...policy.roles.keys()]).toEqual(["viewer", "operator", "release-manager", "admin"]);
    expect(policy.roles.get("admin")).toEqual(["*"]);
    expect(policy.grants[1]).toEqual({
      role: "operator",
      everyone: false,
      users: ["U0123ABC"],
      usergroups: ["S0OPS"],
      channels: ["C0DEPLOYS"],
    });
    expect(policy.identityOverrides).toEqual({ U0123ABC: "alice@example.com" });
    expect(policy.approvals.map((r) => [r.name, r.required, r.expiresAfterMs, r.allowSelfApproval])).toEqual([
      ["destructive changes", 1, 30 * 60_000, false],
      ["production deploys", 2, 3_600_000, false],
      ["labels on reserved payloads", 1, 2 * 3_600_000, true],
    ]);
    expect(policy.approvals[0]?.notify).toBe("C0ALERTS");
    expect(policy.approvals[1]?.when).toEqual({ namespace: "prod*" });
    expect(policy.notifications).toEqual([
      { channel: "C0ALERTS", events: ["operation.failed", "approval.requested", "approval.expired"] },
    ]);
    expect(policy.followups).toEqual({
      pollIntervalMs: 10_000,
      timeoutMs: 7_200_000,
      maxRequestsPerSecond: { deploy: 5, calyptia: 5, orchestration: 5 },
    });
  });

  it("parses the brief's minimal form too: defaults for name, expiry and self-approval", () => {
    const p = parse(
      "approvals:",
      '  - match: ["task:deploy", "pipeline:run"]',
      '    when: { namespace: "prod*" }',
      "    approvers: { users: [U0LEAD1, U0LEAD2] }",
      "    required: 2",
    );
    expect(p.approvals).toEqual([
      {
        index: 0,
        name: "rule 1",
        named: false,
        digest: expect.stringMatching(/^[a-f0-9]{16}$/),
        match: ["task:deploy", "pipeline:run"],
        when: { namespace: "prod*" },
        approvers: { users: ["U0LEAD1", "U0LEAD2"], usergroups: [] },
        required: 2,
        expiresAfterMs: 3_600_000,
        allowSelfApproval: false,
      },
    ]);
    expect(p.roles.size).toBe(0);
    expect(p.followups).toEqual({});
  });
});

describe("problems", () => {
  it("are all reported at once, each with its line, column and key, in file order", () => {
    expect(
      problems(
        "roles:", //                                       1
        '  viewer: ["*:lsit"]', //                         2
        "  ops: []", //                                    3
        "grants:", //                                      4
        "  - { role: viewr, to: { everyone: true } }", //  5
        "  - role: viewer", //                             6
        "    to: { users: [alice] }", //                   7
        "approvals:", //                                   8
        '  - match: ["task:deploy"]', //                   9
        "    approvers: { users: [U0LEAD1] }", //          10
        "    required: 2", //                              11
        "    expires_after: soon", //                      12
        "    colour: red", //                              13
      ),
    ).toEqual([
      "2:12 roles.viewer[0]: matches no operation; did you mean *:list?",
      "3:8 roles.ops: list at least one operation pattern",
      "5:13 grants[0].role: is not defined under roles; did you mean viewer?",
      "7:19 grants[1].to.users[0]: must be a Slack user ID like U0123ABC",
      "11:15 approvals[0].required: needs 2 approvers but only 1 user is listed",
      "12:20 approvals[0].expires_after: must be a duration like 90s, 30m, 2h or 1d",
      "13:5 approvals[0]: unknown key colour",
    ]);
  });

  it("make one error message, a line per problem", () => {
    const error = errorOf(
      "approvals:",
      "  - match: [task:deploy]",
      "    approvers: { users: [U0A1] }",
      "    expires_after: 5x",
    );
    expect(error.name).toBe("PolicyFileError");
    expect(error.message).toBe(
      [
        "opsbot.yml has 1 problem:",
        "  opsbot.yml:4:20 approvals[0].expires_after: must be a duration like 90s, 30m, 2h or 1d",
      ].join("\n"),
    );
  });

  it("include YAML syntax errors with their line", () => {
    expect(errorOf("roles:", "  viewer: [help", "grants: []").problems[0]).toMatchObject({
      line: 3,
      key: "",
    });
    expect(errorOf("roles:", "  viewer: [help]", "\tgrants: []").problems[0]).toMatchObject({
      line: 3,
      message: "Tabs are not allowed as indentation",
    });
  });

  it("include duplicate keys, with the key path and where it was first given", () => {
    expect(
      problems(
        "roles:", //                             1
        "  viewer: [help]", //                   2
        "  viewer: [whoami]", //                 3
        "grants:", //                            4
        "  - role: viewer", //                   5
        "    to: { everyone: true }", //         6
        "    to: { users: [U0ALICE] }", //       7
        "roles: {}", //                          8
      ),
    ).toEqual([
      "3:3 roles.viewer: is given twice (first on line 2); a later one would silently win",
      "7:5 grants[0].to: is given twice (first on line 6); a later one would silently win",
      "8:1 roles: is given twice (first on line 1); a later one would silently win",
    ]);
  });

  it("include unknown keys at every level, located at the key, with a suggestion", () => {
    expect(
      problems(
        "rolez: {}", //                                                   1
        "grants:", //                                                     2
        "  - { role: v, to: { everyone: true, user: [U0A1] }, chanels: [C0A1] }", // 3
        "approvals:", //                                                  4
        "  - match: [task:deploy]", //                                    5
        "    approvers: { users: [U0A1], groups: [S0A1] }", //            6
        "    expire_after: 1h", //                                        7
        "followups: { poll_intervall: 5s, max_requests_per_second: { deploy: 1, calyptya: 2 } }", // 8
        "identity: { override: {} }", //                                  9
      ),
    ).toEqual([
      "1:1 : unknown key rolez; did you mean roles?",
      "3:13 grants[0].role: is not defined under roles",
      "3:38 grants[0].to: unknown key user; did you mean users?",
      "3:54 grants[0]: unknown key chanels; did you mean channels?",
      "6:33 approvals[0].approvers: unknown key groups",
      "7:5 approvals[0]: unknown key expire_after; did you mean expires_after?",
      "8:14 followups: unknown key poll_intervall; did you mean poll_interval?",
      "8:72 followups.max_requests_per_second: unknown key calyptya; did you mean calyptia?",
      "9:13 identity: unknown key override; did you mean overrides?",
    ]);
  });

  it("include malformed Slack IDs of users, groups and channels", () => {
    expect(
      problems(
        "identity:", //                                               1
        "  overrides: { alice: alice@example.com, U0B0B: not-an-email }", // 2
        "roles: { v: [help] }", //                                    3
        "grants:", //                                                 4
        "  - { role: v, to: { users: [u0lower], usergroups: [G0NOPE] }, channels: ['#deploys'] }", // 5
        "approvals:", //                                              6
        "  - match: [task:deploy]", //                                7
        "    approvers: { usergroups: [S0SRE, U0ALICE] }", //         8
        "    notify: alerts", //                                      9
        "notifications:", //                                          10
        "  - { channel: S0SRE, events: [operation.failed] }", //      11
      ),
    ).toEqual([
      "2:16 identity.overrides.alice: keys must be Slack user IDs like U0123ABC",
      "2:49 identity.overrides.U0B0B: must be an email address",
      "5:30 grants[0].to.users[0]: must be a Slack user ID like U0123ABC",
      "5:53 grants[0].to.usergroups[0]: must be a Slack user group ID like S0123ABC",
      "5:75 grants[0].channels[0]: must be a Slack channel ID like C0123ABC",
      "8:38 approvals[0].approvers.usergroups[1]: must be a Slack user group ID like S0123ABC",
      "9:13 approvals[0].notify: must be a Slack channel ID like C0123ABC",
      "11:16 notifications[0].channel: must be a Slack channel ID like C0123ABC",
    ]);
  });

  it("include roles that are misnamed, empty or never defined", () => {
    expect(
      problems(
        "roles:", //                                         1
        "  Deployer: [task:deploy]", //                      2
        "  empty: []", //                                    3
        "  nothing:", //                                     4
        "grants:", //                                        5
        "  - { role: operater, to: { everyone: true } }", // 6
        "  - { role: deployers, to: { users: [U0A1] } }", // 7
        "  - { to: { users: [U0A1] } }", //                  8
      ),
    ).toEqual([
      "2:3 roles.Deployer: role names are lowercase words like operator",
      "3:10 roles.empty: list at least one operation pattern",
      '4:3 roles.nothing: must be a list like ["task:deploy"]',
      "6:13 grants[0].role: is not defined under roles",
      "7:13 grants[1].role: is not defined under roles; did you mean Deployer?",
      "8:5 grants[2].role: must name a role",
    ]);
    expect(
      problems(
        "roles: { operator: [task:deploy] }",
        "grants:",
        "  - { role: operater, to: { everyone: true } }",
      ),
    ).toEqual(["3:13 grants[0].role: is not defined under roles; did you mean operator?"]);
  });

  it("include grants to nobody and rules nobody may approve", () => {
    expect(
      problems(
        "roles: { a: [help] }", //                                  1
        "grants:", //                                               2
        "  - { role: a, to: {} }", //                               3
        "  - { role: a, to: { everyone: false } }", //              4
        "  - { role: a, to: { users: [] }, channels: [] }", //      5
        "approvals:", //                                            6
        "  - { match: [help], approvers: {} }", //                  7
        "  - { match: [whoami], approvers: { users: [U0A1] }, required: 0 }", // 8
      ),
    ).toEqual([
      "3:20 grants[0].to: name users, usergroups or everyone: true",
      "4:32 grants[1].to.everyone: must be true (leave it out otherwise)",
      "5:20 grants[2].to: name users, usergroups or everyone: true",
      "5:45 grants[2].channels: list at least one channel, or leave channels out",
      "7:33 approvals[0].approvers: name users or usergroups",
      "8:64 approvals[1].required: must be a whole number from 1 to 10",
    ]);
  });

  it("include wrong types, as the shape the key wants", () => {
    expect(
      problems(
        "roles: { a: help }", //                         1
        "grants: { role: a }", //                        2
        "approvals:", //                                 3
        "  - match: [help]", //                          4
        "    approvers: { users: U0A1 }", //             5
        "    required: '2'", //                          6
        "    allow_self_approval: yes", //               7
      ),
    ).toEqual([
      '1:13 roles.a: must be a list like ["task:deploy"]',
      "2:9 grants: must be a list like [{ role: viewer, to: { everyone: true } }]",
      "5:25 approvals[0].approvers.users: must be a list like [U0123ABC]",
      "6:15 approvals[0].required: must be a whole number from 1 to 10",
      "7:26 approvals[0].allow_self_approval: must be true or false",
    ]);
    expect(problems("- roles")).toEqual(["1:1 : the file must be a map of sections"]);
  });

  it("include unknown notification events, with a suggestion", () => {
    expect(
      problems("notifications:", "  - { channel: C0A1, events: [operation.faild, approval.requested] }"),
    ).toEqual([
      "2:31 notifications[0].events[0]: must be one of operation.started, operation.succeeded, operation.failed, approval.requested, approval.decided, approval.expired; did you mean operation.failed?",
    ]);
    expect(problems("notifications:", "  - { channel: C0A1, events: [] }")).toEqual([
      "2:30 notifications[0].events: list at least one event",
    ]);
  });
});

describe("durations", () => {
  const rule = (expires: string) => [
    "approvals:",
    "  - match: [task:deploy]",
    "    approvers: { users: [U0A1] }",
    `    expires_after: ${expires}`,
  ];

  it.each([
    ["90s", 90_000],
    ["30m", 1_800_000],
    ["2h", 7_200_000],
    ["1d", 86_400_000],
    ["1H", 3_600_000],
  ])("%s is %i ms", (text, ms) => {
    expect(parse(...rule(text)).approvals[0]?.expiresAfterMs).toBe(ms);
  });

  it("default to an hour", () => {
    expect(parse(...rule("1h").slice(0, 3)).approvals[0]?.expiresAfterMs).toBe(3_600_000);
  });

  it.each(["soon", "0m", "30", "1w", "1.5h", "-1h", "1h30m"])("%s is refused", (text) => {
    expect(problems(...rule(text))).toEqual([
      "4:20 approvals[0].expires_after: must be a duration like 90s, 30m, 2h or 1d",
    ]);
  });

  it("are checked in followups too", () => {
    expect(
      problems(
        "followups:",
        "  poll_interval: often",
        "  timeout: 0s",
        "  max_requests_per_second: { deploy: 0 }",
      ),
    ).toEqual([
      "2:18 followups.poll_interval: must be a duration like 90s, 30m, 2h or 1d",
      "3:12 followups.timeout: must be a duration like 90s, 30m, 2h or 1d",
      "4:38 followups.max_requests_per_second.deploy: must be above 0",
    ]);
  });
});

describe("approval rules", () => {
  it("read when-conditions on the target and arguments; numbers count as their text", () => {
    const p = parse(
      "approvals:",
      "  - match: [port:create]",
      "    when: { frontendPort: 443, protocol: tcp }",
      "    approvers: { users: [U0A1] }",
    );
    expect(p.approvals[0]?.when).toEqual({ frontendPort: "443", protocol: "tcp" });
  });

  it("refuse a condition none of the rule's operations could meet, suggesting the name meant", () => {
    expect(
      problems(
        "approvals:", //                                                   1
        "  - match: [task:deploy, pipeline:run]", //                       2
        "    when: { namspace: prod*, 'bad-key': x, branch: main }", //    3
        "    approvers: { users: [U0A1] }", //                             4
        "  - match: [pipeline:kill]", //                                   5
        "    when: { namespace: prod* }", //                               6
        "    approvers: { users: [U0A1] }", //                             7
        "  - match: [task:deploy]", //                                     8
        "    when:", //                                                    9
        "    approvers: { users: [U0A1] }", //                             10
      ),
    ).toEqual([
      "3:13 approvals[0].when.namspace: no operation this rule matches has namspace, so it would never hold; did you mean namespace?",
      "3:30 approvals[0].when.bad-key: must be namespace, allocation or an argument name like pipelineId",
      "6:13 approvals[1].when.namespace: no operation this rule matches has namespace, so it would never hold",
      "9:5 approvals[2].when: must be a map like { namespace: prod* }",
    ]);
  });

  it("accept a condition some of the rule's operations have", () => {
    // log:delete has no namespace: the rule covers the namespaced deletes only.
    expect(
      parse(
        "approvals:",
        "  - match: ['*:delete']",
        "    when: { namespace: prod* }",
        "    approvers: { users: [U0A1] }",
      ).approvals,
    ).toHaveLength(1);
  });

  it("refuse a rule an earlier unconditional rule hides, but not one after a conditional rule", () => {
    expect(
      problems(
        "approvals:", //                                              1
        "  - { name: deletes, match: ['*:delete'], approvers: { users: [U0A1] } }", // 2
        "  - { name: job deletes, match: [job:delete], approvers: { users: [U0A2] } }", // 3
        "  - { name: prod, match: [task:deploy], when: { namespace: prod* }, approvers: { users: [U0A1] } }", // 4
        "  - { name: all deploys, match: [task:deploy], approvers: { users: [U0A1] } }", // 5
      ),
    ).toEqual([
      "3:33 approvals[1].match: never applies: deletes (approvals[0]) comes first and matches all of it; the first matching rule applies",
    ]);
  });

  it("refuse two rules with one name, given or by default", () => {
    expect(
      problems(
        "approvals:", //                                                            1
        "  - { match: [task:deploy], approvers: { users: [U0A1] } }", //            2
        "  - { name: rule 1, match: [pipeline:run], approvers: { users: [U0A1] } }", // 3
        "  - { name: kills, match: [pipeline:kill], approvers: { users: [U0A1] } }", // 4
        "  - { name: kills, match: [job:delete], approvers: { users: [U0A1] } }", //  5
      ),
    ).toEqual([
      "3:13 approvals[1].name: rule 1 is already the name of approvals[0]; give each rule its own name (pending requests find their rule by it)",
      "5:13 approvals[3].name: kills is already the name of approvals[2]; give each rule its own name (pending requests find their rule by it)",
    ]);
  });

  it("read an id, shown as the name when there is none, with a digest of what the rule decides", () => {
    const policy = parse(
      "approvals:",
      "  - { id: prod-deploys, match: [task:deploy], approvers: { users: [U0A1] } }",
      "  - { id: kills, name: Pipeline kills, match: [pipeline:kill], approvers: { users: [U0A1] } }",
      "  - { match: [job:delete], when: { namespace: x }, approvers: { users: [U0A1] } }",
      "  - { match: [job:delete], approvers: { users: [U0A1] } }",
    );
    expect(policy.approvals.map((r) => [r.id, r.name, r.named])).toEqual([
      ["prod-deploys", "prod-deploys", false],
      ["kills", "Pipeline kills", true],
      [undefined, "rule 3", false],
      [undefined, "rule 4", false],
    ]);
    const digests = policy.approvals.map((r) => r.digest);
    expect(new Set(digests).size).toBe(4);
    expect(digests.every((d) => /^[a-f0-9]{16}$/.test(d))).toBe(true);
    // The same rule elsewhere in another file has the same digest: it is what the rule decides.
    expect(
      parse("approvals:", "  - { match: [job:delete], approvers: { users: [U0A1] } }").approvals[0]?.digest,
    ).toBe(digests[3]);
  });

  it("refuse a malformed id, two rules with one id, and the built-in override rule's name or id", () => {
    expect(
      problems(
        "approvals:", //                                                                          1
        "  - { id: Prod_Deploys, match: [task:deploy], approvers: { users: [U0A1] } }", //        2
        "  - { id: kills, match: [pipeline:kill], approvers: { users: [U0A1] } }", //             3
        "  - { id: kills, name: other, match: [job:delete], approvers: { users: [U0A1] } }", //   4
        "  - { id: change-freeze-override, match: [task:load], approvers: { users: [U0A1] } }", // 5
        "  - { name: Change-freeze override, match: [cronjob:delete], approvers: { users: [U0A1] } }", // 6
      ),
    ).toEqual([
      "2:11 approvals[0].id: must be lowercase letters, digits and dashes, like prod-deploys",
      "4:11 approvals[2].id: kills is already the id of approvals[1]; ids are unique (pending requests find their rule by it)",
      "5:11 approvals[3].id: change-freeze-override is the id of opsbot's built-in rule for --force; give this rule another id",
      '6:13 approvals[4].name: "change-freeze override" is the name of opsbot\'s built-in rule for --force; give this rule another name',
    ]);
  });

  it("count distinct listed users against required, unless a group is listed", () => {
    expect(
      problems("approvals:", "  - { match: [task:deploy], approvers: { users: [U0A1, U0A1] }, required: 2 }"),
    ).toEqual(["2:75 approvals[0].required: needs 2 approvers but only 1 user is listed"]);
    expect(
      parse("approvals:", "  - { match: [task:deploy], approvers: { usergroups: [S0SRE] }, required: 3 }")
        .approvals[0]?.required,
    ).toBe(3);
  });
});

describe("loadPolicyFile", () => {
  it("names the file in every problem", () => {
    const dir = mkdtempSync(join(tmpdir(), "opsbot-policy-"));
    const path = join(dir, "opsbot.yml");
    writeFileSync(path, "roles:\n  viewer: [hepl]\n");
    expect(() => loadPolicyFile(path, OPTIONS)).toThrow(
      `${path}:2:12 roles.viewer[0]: matches no operation; did you mean help?`,
    );
  });

  it("says which file could not be read", () => {
    expect(() => loadPolicyFile("/nonexistent/opsbot.yml", OPTIONS)).toThrow(
      "/nonexistent/opsbot.yml:1:1 cannot be read (no such file)",
    );
  });

  it("works without conditionKeys, leaving when-keys unchecked", () => {
    const p = parsePolicy(
      "approvals:\n  - { match: [task:deploy], when: { anything: x }, approvers: { users: [U0A1] } }\n",
      {
        source: "x.yml",
        knownOperations: OPTIONS.knownOperations,
      },
    );
    expect(p.approvals[0]?.when).toEqual({ anything: "x" });
  });
});
