import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { createCatalogue } from "../../../src/catalogue/index.js";
import { knownOperationIds } from "../../../src/catalogue/parse.js";
import {
  approvalRuleFor,
  approversText,
  authorize,
  DEFAULT_POLICY,
  DEFAULT_POLICY_NOTE,
  groupsReferenced,
  mayApprove,
  notificationChannels,
  type Policy,
  rolesOf,
  type Subject,
} from "../../../src/core/policy/policy.js";
import { conditionKeysOf, loadPolicyFile, parsePolicy } from "../../../src/core/policy/policy-file.js";

const operations = createCatalogue().operations;
const OPTIONS = {
  knownOperations: knownOperationIds(createCatalogue()),
  conditionKeys: conditionKeysOf(operations),
};
const parse = (...lines: string[]) => parsePolicy(lines.join("\n"), { source: "opsbot.yml", ...OPTIONS });
const example = (): Policy => loadPolicyFile("opsbot.example.yml", OPTIONS);
const who = (userId: string, channelId = "C0GENERAL", groups: string[] = []): Subject => ({
  userId,
  channelId,
  groups: new Set(groups),
  standing: "member",
});
const messageOf = (decision: ReturnType<typeof authorize>) =>
  decision.allowed ? "(allowed)" : decision.message;

describe("the default policy (no permissions file)", () => {
  it("lets everyone run every read operation, help and whoami", () => {
    const reads = operations.filter((o) => o.risk === "read" && o.backend !== "opsbot").map((o) => o.id);
    expect(reads.length).toBeGreaterThan(10);
    for (const id of [...reads, "help", "whoami"])
      expect(authorize(DEFAULT_POLICY, who("U0ANY"), id)).toEqual({ allowed: true, role: "viewer" });
  });

  it("refuses everything that changes anything, and the admin commands, saying why", () => {
    const changes = operations.filter((o) => o.risk !== "read").map((o) => o.id);
    for (const id of [...changes, "lock", "unlock", "audit", "subscribe", "unsubscribe"]) {
      const decision = authorize(DEFAULT_POLICY, who("U0ANY", "C0ANY", ["S0SRE"]), id);
      expect(decision).toEqual({
        allowed: false,
        neededRoles: [],
        message: `\`${id}\` is not allowed: ${DEFAULT_POLICY_NOTE}`,
      });
    }
    expect(DEFAULT_POLICY_NOTE).toContain("without a permissions file: read-only for everyone");
    expect(DEFAULT_POLICY_NOTE).toContain("an operator grants it");
  });

  it("says where it comes from, asks Slack about no group and needs no approval", () => {
    expect(DEFAULT_POLICY.source).toBe("default");
    expect(groupsReferenced(DEFAULT_POLICY)).toEqual(new Set());
    expect(approvalRuleFor(DEFAULT_POLICY, "task:list", { target: {}, args: {} })).toBeUndefined();
    expect(notificationChannels(DEFAULT_POLICY, "operation.failed")).toEqual([]);
  });
});

describe("rolesOf", () => {
  const policy = parse(
    "roles: { viewer: [help], operator: [task:deploy], deployer: [task:deploy], admin: ['*'] }",
    "grants:",
    "  - { role: viewer, to: { everyone: true } }",
    "  - { role: operator, to: { users: [U0ALICE], usergroups: [S0OPS] } }",
    "  - { role: operator, to: { usergroups: [S0OTHER] } }",
    "  - { role: deployer, to: { users: [U0DAVE] }, channels: [C0DEPLOYS, C0PROD] }",
    "  - { role: admin, to: { usergroups: [S0SRE] } }",
  );

  it("grants to everyone, to listed users and to members of listed groups, each role once", () => {
    expect(rolesOf(policy, who("U0NOBODY"))).toEqual(["viewer"]);
    expect(rolesOf(policy, who("U0ALICE"))).toEqual(["viewer", "operator"]);
    expect(rolesOf(policy, who("U0BOB", "C0GENERAL", ["S0OPS", "S0OTHER"]))).toEqual(["viewer", "operator"]);
    expect(rolesOf(policy, who("U0CAROL", "C0GENERAL", ["S0SRE"]))).toEqual(["viewer", "admin"]);
  });

  it("applies a channel-restricted grant in its channels only", () => {
    expect(rolesOf(policy, who("U0DAVE", "C0DEPLOYS"))).toEqual(["viewer", "deployer"]);
    expect(rolesOf(policy, who("U0DAVE", "C0PROD"))).toEqual(["viewer", "deployer"]);
    expect(rolesOf(policy, who("U0DAVE", "C0GENERAL"))).toEqual(["viewer"]);
  });
});

describe("authorize", () => {
  it("allows by the first role held that allows the operation", () => {
    const policy = example();
    expect(authorize(policy, who("U0123ABC", "C0DEPLOYS"), "task:deploy")).toEqual({
      allowed: true,
      role: "operator",
    });
    expect(authorize(policy, who("U0X", "C0DEPLOYS", ["S0OPS"]), "payload:reserve")).toEqual({
      allowed: true,
      role: "operator",
    });
    expect(authorize(policy, who("U0X", "C0GENERAL", ["S0SRE"]), "job:delete")).toEqual({
      allowed: true,
      role: "admin",
    });
    expect(authorize(policy, who("U0X", "C0GENERAL", ["S0SRE"]), "task:list")).toEqual({
      allowed: true,
      role: "viewer",
    });
    expect(authorize(policy, who("U0LEAD1"), "lock")).toEqual({ allowed: true, role: "release-manager" });
  });

  it("names the roles needed and who can grant them", () => {
    const refused = authorize(example(), who("U0NOBODY"), "job:delete");
    expect(refused).toEqual({
      allowed: false,
      neededRoles: ["admin"],
      message:
        "`job:delete` needs the admin role. Ask <!subteam^S0SRE> (opsbot admins) to grant it in opsbot's permissions file.",
    });
    expect(messageOf(authorize(example(), who("U0NOBODY"), "task:deploy"))).toBe(
      "`task:deploy` needs the operator or admin role. Ask <!subteam^S0SRE> (opsbot admins) to grant it in opsbot's permissions file.",
    );
    expect(messageOf(authorize(example(), who("U0LEAD1"), "unlock"))).toContain("needs the admin role");
  });

  it("says where the person does have the role when they have it only elsewhere", () => {
    const refused = authorize(example(), who("U0123ABC", "C0GENERAL"), "task:deploy");
    expect(refused).toEqual({
      allowed: false,
      neededRoles: ["operator", "admin"],
      message:
        "`task:deploy` needs the operator or admin role, which you have only in <#C0DEPLOYS>: run it there, or ask <!subteam^S0SRE> (opsbot admins) to grant it here in opsbot's permissions file.",
    });
  });

  it("lists several channels and several admins, users and groups", () => {
    const policy = parse(
      "roles: { deployer: [task:deploy], admin: ['*'], root: ['*'] }",
      "grants:",
      "  - { role: deployer, to: { users: [U0DAVE] }, channels: [C0ONE] }",
      "  - { role: deployer, to: { usergroups: [S0DEV] }, channels: [C0TWO] }",
      "  - { role: admin, to: { users: [U0ROOT], usergroups: [S0SRE] } }",
      "  - { role: root, to: { users: [U0ROOT] } }",
    );
    expect(messageOf(authorize(policy, who("U0DAVE", "C0THREE", ["S0DEV"]), "task:deploy"))).toBe(
      "`task:deploy` needs the deployer, admin or root role, which you have only in <#C0ONE> or <#C0TWO>: run it there, or ask <@U0ROOT> or <!subteam^S0SRE> (opsbot admins) to grant it here in opsbot's permissions file.",
    );
  });

  it("falls back on whoever runs opsbot when nobody holds a * role, and says when no role allows it", () => {
    const policy = parse(
      "roles: { viewer: [help], deployer: [task:deploy] }",
      "grants: [{ role: viewer, to: { everyone: true } }]",
    );
    expect(authorize(policy, who("U0X"), "task:deploy")).toEqual({
      allowed: false,
      neededRoles: ["deployer"],
      message:
        "`task:deploy` needs the deployer role. Ask whoever runs opsbot to grant it in its permissions file.",
    });
    expect(authorize(policy, who("U0X"), "job:delete")).toEqual({
      allowed: false,
      neededRoles: [],
      message: "No role allows `job:delete`. Ask whoever runs opsbot to grant it in its permissions file.",
    });
  });

  it("keeps *:list away from the bare admin commands", () => {
    const policy = parse(
      "roles: { viewer: ['*:list', '*:*'] }",
      "grants: [{ role: viewer, to: { everyone: true } }]",
    );
    expect(authorize(policy, who("U0X"), "task:list").allowed).toBe(true);
    expect(authorize(policy, who("U0X"), "lock").allowed).toBe(false);
    expect(authorize(policy, who("U0X"), "help").allowed).toBe(false);
  });
});

describe("approvalRuleFor", () => {
  const facts = (
    target: { namespace?: string; allocation?: string } = {},
    args: Record<string, unknown> = {},
  ) => ({
    target,
    args,
  });

  it("takes the first rule, in file order, whose patterns and conditions match", () => {
    const policy = example();
    const destructive = approvalRuleFor(policy, "job:delete", facts({ namespace: "dev" }));
    expect(destructive).toMatchObject({
      index: 0,
      name: "destructive changes",
      required: 1,
      expiresAfterMs: 1_800_000,
      allowSelfApproval: false,
      approvers: { users: [], usergroups: ["S0SRE"] },
      notify: "C0ALERTS",
    });
    expect(approvalRuleFor(policy, "allocation:disable", facts())?.name).toBe("destructive changes");
    expect(approvalRuleFor(policy, "allocation:list", facts())).toBeUndefined();
    expect(approvalRuleFor(policy, "task:deploy", facts({ namespace: "prod-eu" }))).toMatchObject({
      index: 1,
      name: "production deploys",
      required: 2,
      approvers: { users: ["U0LEAD1", "U0LEAD2"], usergroups: [] },
    });
    expect(approvalRuleFor(policy, "task:deploy", facts({ namespace: "staging" }))).toBeUndefined();
    expect(approvalRuleFor(policy, "task:list", facts({ namespace: "prod" }))).toBeUndefined();
  });

  it("lets order decide between overlapping rules", () => {
    const rules = (first: string, second: string) =>
      parse(
        "approvals:",
        `  - { name: ${first}, match: [${first === "narrow" ? "job:delete" : "'*:delete'"}], when: { namespace: 'prod*' }, approvers: { users: [U0A1] } }`,
        `  - { name: ${second}, match: [${second === "narrow" ? "job:delete" : "'*:delete'"}], approvers: { users: [U0A2] } }`,
      );
    const narrowFirst = rules("narrow", "broad");
    expect(approvalRuleFor(narrowFirst, "job:delete", facts({ namespace: "prod-1" }))?.name).toBe("narrow");
    expect(approvalRuleFor(narrowFirst, "job:delete", facts({ namespace: "dev" }))?.name).toBe("broad");
    const broadFirst = rules("broad", "narrow");
    expect(approvalRuleFor(broadFirst, "job:delete", facts({ namespace: "prod-1" }))?.name).toBe("broad");
    expect(approvalRuleFor(broadFirst, "job:delete", facts({ namespace: "dev" }))?.name).toBe("narrow");
  });

  it("reads namespace and allocation from the target, falling back on an argument of that name", () => {
    const policy = parse(
      "approvals:",
      "  - { name: ns, match: [task:deploy], when: { namespace: 'prod*' }, approvers: { users: [U0A1] } }",
      "  - { name: alloc, match: [allocation:enable], when: { allocation: 'a1b2*' }, approvers: { users: [U0A1] } }",
    );
    expect(
      approvalRuleFor(policy, "task:deploy", facts({ namespace: "prod" }, { namespace: "dev" }))?.name,
    ).toBe("ns");
    expect(
      approvalRuleFor(policy, "task:deploy", facts({ namespace: "dev" }, { namespace: "prod" })),
    ).toBeUndefined();
    expect(approvalRuleFor(policy, "task:deploy", facts({}, { namespace: "prod" }))?.name).toBe("ns");
    expect(approvalRuleFor(policy, "allocation:enable", facts({ allocation: "a1b2-c3" }))?.name).toBe(
      "alloc",
    );
    expect(approvalRuleFor(policy, "allocation:enable", facts({ allocation: "ffff" }))).toBeUndefined();
  });

  it("matches argument conditions on their values, with globs, all conditions at once", () => {
    const policy = parse(
      "approvals:",
      "  - match: [payload:reserve]",
      "    when: { selector: 'tier=prod*' }",
      "    approvers: { usergroups: [S0SRE] }",
      "  - match: [port:create]",
      "    when: { frontendPort: 443, protocol: tcp }",
      "    approvers: { usergroups: [S0SRE] }",
    );
    const reserve = (selector: unknown) =>
      approvalRuleFor(policy, "payload:reserve", facts({}, { selector }));
    expect(reserve("tier=prod-1")?.name).toBe("rule 1");
    expect(reserve("tier=dev")).toBeUndefined();
    expect(reserve(undefined)).toBeUndefined();
    // A repeatable flag: any item that matches brings the rule in.
    expect(reserve(["tier=dev", "tier=prod-2"])?.name).toBe("rule 1");
    expect(reserve(["tier=dev"])).toBeUndefined();
    const port = (frontendPort: unknown, protocol: unknown) =>
      approvalRuleFor(policy, "port:create", facts({}, { frontendPort, protocol }));
    expect(port(443, "tcp")?.name).toBe("rule 2");
    expect(port("443", "tcp")?.name).toBe("rule 2");
    expect(port(443, "udp")).toBeUndefined();
    expect(port(8443, "tcp")).toBeUndefined();
  });
});

describe("approvers", () => {
  it("are listed users and members of listed groups", () => {
    const [destructive, production] = example().approvals;
    if (!destructive || !production) throw new Error("the example has these rules");
    expect(mayApprove(destructive, { userId: "U0X", groups: new Set(["S0SRE"]), standing: "member" })).toBe(
      true,
    );
    expect(mayApprove(destructive, { userId: "U0X", groups: new Set(["S0OPS"]), standing: "member" })).toBe(
      false,
    );
    expect(mayApprove(production, { userId: "U0LEAD2", groups: new Set(), standing: "member" })).toBe(true);
    expect(
      mayApprove(production, { userId: "U0LEAD3", groups: new Set(["S0SRE"]), standing: "member" }),
    ).toBe(false);
    expect(approversText(production)).toBe("<@U0LEAD1> or <@U0LEAD2>");
    expect(approversText(destructive)).toBe("<!subteam^S0SRE>");
  });
});

describe("groupsReferenced and notificationChannels", () => {
  it("collect the groups of grants and approvers, and the channels of an event", () => {
    const policy = parse(
      "roles: { a: [help] }",
      "grants: [{ role: a, to: { usergroups: [S0ONE, S0TWO] } }]",
      "approvals: [{ match: [help], approvers: { usergroups: [S0TWO, S0THREE] } }]",
      "notifications:",
      "  - { channel: C0ALERTS, events: [operation.failed, approval.requested] }",
      "  - { channel: C0OPS, events: [operation.failed] }",
      "  - { channel: C0ALERTS, events: [operation.failed] }",
    );
    expect([...groupsReferenced(policy)].sort()).toEqual(["S0ONE", "S0THREE", "S0TWO"]);
    expect(notificationChannels(policy, "operation.failed")).toEqual(["C0ALERTS", "C0OPS"]);
    expect(notificationChannels(policy, "approval.requested")).toEqual(["C0ALERTS"]);
    expect(notificationChannels(policy, "approval.expired")).toEqual([]);
  });
});

/** The yaml block the README shows after naming opsbot.example.yml. */
function readmeExample(): string {
  const readme = readFileSync("README.md", "utf8");
  const at = readme.indexOf("[`opsbot.example.yml`](opsbot.example.yml) is a complete");
  expect(at).toBeGreaterThan(0);
  const block = /```yaml\n([\s\S]*?)```/.exec(readme.slice(at));
  return block?.[1] ?? "";
}

// The files an operator copies: what their comments promise must be what they do.
const COPIED = {
  "opsbot.example.yml": () => example(),
  "the README's example": () => parse(readmeExample()),
  "the demo's opsbot.demo.yml": () => loadPolicyFile("devkit/demo/opsbot.demo.yml", OPTIONS),
};
const changesInANamespace = operations.filter((o) => o.risk !== "read" && "namespace" in (o.args ?? {}));

describe("opsbot.example.yml", () => {
  it("is what the README shows, without its comments", () => {
    expect(parseYaml(readmeExample())).toEqual(parseYaml(readFileSync("opsbot.example.yml", "utf8")));
  });

  it("puts every change in a prod* namespace behind two leads, and every delete or kill behind SRE", () => {
    const policy = example();
    const facts = { target: { namespace: "prod-eu" }, args: { namespace: "prod-eu" } };
    expect(changesInANamespace.map((o) => o.id)).toEqual(
      expect.arrayContaining(["task:deploy", "task:deploy-config", "pipeline:run", "pipeline:run-config"]),
    );
    for (const operation of changesInANamespace) {
      const rule = approvalRuleFor(policy, operation.id, facts);
      expect({ operation: operation.id, rule: rule?.name, required: rule?.required }).toEqual({
        operation: operation.id,
        rule: operation.risk === "destructive" ? "destructive changes" : "production deploys",
        required: operation.risk === "destructive" ? 1 : 2,
      });
    }
    for (const id of ["pipeline:kill", "port:delete", "allocation:delete", "allocation:disable"])
      expect(approvalRuleFor(policy, id, { target: {}, args: {} })?.name).toBe("destructive changes");
    // Outside prod*, a deploy runs at once.
    expect(
      approvalRuleFor(policy, "task:deploy-config", { target: { namespace: "staging" }, args: {} }),
    ).toBe(undefined);
  });
});

describe.each(Object.entries(COPIED))("%s", (_name, load) => {
  it("needs an approval for every change in a prod* namespace", () => {
    const policy = load();
    for (const operation of changesInANamespace)
      expect(
        approvalRuleFor(policy, operation.id, { target: { namespace: "prod" }, args: { namespace: "prod" } }),
        operation.id,
      ).toBeDefined();
  });

  it("never asks for an approval to read", () => {
    const policy = load();
    const reads = operations.filter((o) => o.risk === "read");
    const facts = { target: { namespace: "prod", allocation: "prod" }, args: { key: "reserved-x" } };
    expect(reads.filter((o) => approvalRuleFor(policy, o.id, facts)).map((o) => o.id)).toEqual([]);
  });
});
