import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEMO_GROUP } from "../../../devkit/demo/stack.js";
import { createCatalogue } from "../../../src/catalogue/index.js";
import { knownOperationIds } from "../../../src/catalogue/parse.js";
import { conditionKeysOf, loadPolicyFile, parsePolicy } from "../../../src/core/policy/policy-file.js";
import { policyWarnings } from "../../../src/core/policy/policy-warnings.js";

const catalogue = createCatalogue();
const operations = catalogue.operations;
const OPTIONS = {
  knownOperations: knownOperationIds(catalogue),
  conditionKeys: conditionKeysOf(operations),
};
const parse = (...lines: string[]) => parsePolicy(lines.join("\n"), { source: "opsbot.yml", ...OPTIONS });
const warningsOf = (members: Record<string, string[]>, ...lines: string[]) =>
  policyWarnings(parse(...lines), operations, new Map(Object.entries(members)));
const ROLES = [
  "roles:",
  '  operator: ["task:deploy", "task:deploy-config", "pipeline:run", "allocation:disable"]',
  '  admin: ["*"]',
  "grants:",
  "  - { role: operator, to: { users: [U0ALICE] } }",
  "  - { role: admin, to: { usergroups: [S0SRE] } }",
];

describe("policy warnings", () => {
  it("name a rule that matches reads, and the reads", () => {
    const warnings = warningsOf(
      {},
      ...ROLES,
      "approvals:",
      "  - { id: allocations, match: [allocation:*], approvers: { users: [U0BOB] } }",
    );
    expect(warnings).toEqual([
      {
        kind: "matches-reads",
        message:
          'approval rule "allocations" matches read-only operations (allocation:list, allocation:get): each of them would wait for an approval request. List only changes in its match (allocation:disable rather than allocation:*).',
      },
    ]);
  });

  it("name a rule whose approvers, the one who asks left out, are fewer than required", () => {
    const rule = (extra: string) =>
      `  - { id: deploys, match: [task:deploy, task:deploy-config], approvers: { users: [U0ALICE, U0BOB] }, required: 2${extra} }`;
    expect(warningsOf({}, ...ROLES, "approvals:", rule(""))).toEqual([
      {
        kind: "unsatisfiable",
        message:
          'approval rule "deploys" needs 2 approvals from 2 people, and U0ALICE may also ask: a request of theirs could be approved by only 1, so it would wait until it expires. Add approvers, lower required or set allow_self_approval.',
      },
    ]);
    // Allowed to approve their own request, or unable to ask at all: nothing to say.
    expect(warningsOf({}, ...ROLES, "approvals:", rule(", allow_self_approval: true"))).toEqual([]);
    expect(
      warningsOf(
        {},
        ...ROLES,
        "approvals:",
        "  - { match: [task:deploy, task:deploy-config], approvers: { users: [U0BOB, U0CAROL] }, required: 2 }",
      ),
    ).toEqual([]);
  });

  it("count a group's members when they are known, and say nothing of a group that is not", () => {
    const lines = [
      ...ROLES,
      "approvals:",
      "  - { name: kills, match: [pipeline:kill], approvers: { usergroups: [S0SRE] }, required: 2 }",
    ];
    expect(warningsOf({}, ...lines)).toEqual([]);
    expect(warningsOf({ S0SRE: ["U0BOB", "U0CAROL", "U0ERIN"] }, ...lines)).toEqual([]);
    expect(warningsOf({ S0SRE: ["U0BOB"] }, ...lines).map((w) => w.message)).toEqual([
      'approval rule "kills" needs 2 approvals but only 1 person can approve: its requests would wait until they expire. Add approvers or lower required.',
    ]);
    // Two SREs, both admins who may kill: either one's request has one other SRE for two approvals.
    expect(warningsOf({ S0SRE: ["U0BOB", "U0CAROL"] }, ...lines).map((w) => w.message)).toEqual([
      expect.stringContaining("U0BOB, U0CAROL may also ask: a request of theirs could be approved by only 1"),
    ]);
  });

  it("name a change no rule covers while a verb of the same stem on its resource is covered", () => {
    const lines = (match: string) => [
      ...ROLES,
      "approvals:",
      `  - { name: production deploys, match: [${match}], when: { namespace: "prod*" }, approvers: { usergroups: [S0SRE] } }`,
    ];
    expect(warningsOf({}, ...lines("task:deploy, pipeline:run"))).toEqual([
      {
        kind: "uncovered-similar",
        message:
          'task:deploy-config runs without an approval, while task:deploy needs one (approval rule "production deploys"): add task:deploy-config to that rule\'s match if it should need one too.',
      },
      {
        kind: "uncovered-similar",
        message:
          'pipeline:run-config runs without an approval, while pipeline:run needs one (approval rule "production deploys"): add pipeline:run-config to that rule\'s match if it should need one too.',
      },
    ]);
    expect(
      warningsOf({}, ...lines("task:deploy, task:deploy-config, pipeline:run, pipeline:run-config")),
    ).toEqual([]);
  });

  it("leave out a change no role allows: nobody could run it without an approval", () => {
    const warnings = warningsOf(
      {},
      "roles:",
      '  operator: ["task:deploy"]',
      "grants:",
      "  - { role: operator, to: { users: [U0ALICE] } }",
      "approvals:",
      "  - { match: [task:deploy], approvers: { users: [U0BOB] } }",
    );
    expect(warnings).toEqual([]);
  });
});

describe("the files an operator copies", () => {
  const readme = readFileSync("README.md", "utf8");
  const at = readme.indexOf("[`opsbot.example.yml`](opsbot.example.yml) is a complete");
  const readmeYaml = /```yaml\n([\s\S]*?)```/.exec(readme.slice(at))?.[1] ?? "";

  it.each([
    ["opsbot.example.yml", () => loadPolicyFile("opsbot.example.yml", OPTIONS), {}],
    ["the README's example", () => parsePolicy(readmeYaml, { source: "README.md", ...OPTIONS }), {}],
    [
      "the demo's opsbot.demo.yml, with the demo's group",
      () => loadPolicyFile("devkit/demo/opsbot.demo.yml", OPTIONS),
      { [DEMO_GROUP.id]: [...DEMO_GROUP.users] },
    ],
  ])("%s has no warnings, and an id on every rule", (_name, load, members) => {
    const policy = load();
    expect(policyWarnings(policy, operations, new Map(Object.entries(members)))).toEqual([]);
    expect(policy.approvals.length).toBeGreaterThan(0);
    expect(policy.approvals.filter((rule) => !rule.id).map((rule) => rule.name)).toEqual([]);
  });
});
