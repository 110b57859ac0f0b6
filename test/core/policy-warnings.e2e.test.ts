import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalogue } from "../../src/catalogue/index.js";
import { knownOperationIds } from "../../src/catalogue/parse.js";
import { parsePolicy } from "../../src/core/policy/policy-file.js";
import { openSqliteStore, type Store } from "../../src/store/index.js";
import { type AppStack, startAppStack } from "../helpers/app-stack.js";

// What a permissions file that loads may still get wrong, told where it helps: one log line each at
// start-up, to admins in `/ops whoami` and under `/ops help`, and at request time a request nobody could
// approve is refused with the reason. Signed requests into the real receiver, Slack's stand-in for groups.

const OPS = "C0OPS0001"; // the fixtures' default channel
const catalogue = createCatalogue();
const POLICY = parsePolicy(
  `
roles:
  viewer: ["*:list", "*:get", "*:state", "help", "whoami"]
  operator: ["task:deploy", "task:deploy-config", "job:delete", "cronjob:delete", "allocation:list"]
  admin: ["*"]
grants:
  - { role: viewer, to: { everyone: true } }
  - { role: operator, to: { users: [U0ALICE] } }
  - { role: admin, to: { usergroups: [S0SRE] } }
approvals:
  - id: job-deletes
    match: ["job:delete"]
    approvers: { users: [U0ALICE] }
  - id: cron-deletes
    match: ["cronjob:delete"]
    approvers: { usergroups: [S0SRE] }
    required: 2
  - id: prod-deploys
    match: ["task:deploy"]
    when: { namespace: "prod*" }
    approvers: { usergroups: [S0SRE] }
  - id: allocation-changes
    match: ["allocation:*"]
    approvers: { usergroups: [S0SRE] }
`,
  { source: "warnings-test.yml", knownOperations: knownOperationIds(catalogue) },
);
const USERS = ["ALICE", "BOB", "CAROL"].map((n) => ({
  id: `U0${n}`,
  name: n.toLowerCase(),
  email: `${n.toLowerCase()}@example.com`,
}));

let store: Store;
let stack: AppStack;
const logged: { level: number; msg: string; kind?: string }[] = [];

beforeAll(async () => {
  store = openSqliteStore({ path: ":memory:" });
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) logged.push(JSON.parse(line));
      done();
    },
  });
  stack = await startAppStack({
    catalogue,
    users: USERS,
    userGroups: [{ id: "S0SRE", handle: "sre", users: ["U0BOB"] }],
    policy: POLICY,
    store,
    logger: pino({ level: "warn" }, sink),
  });
});
afterAll(async () => {
  await stack.close();
  await store.close();
});

const text = (value: unknown) => JSON.stringify(value);

async function command(commandText: string, user: string, replies = 1) {
  const sent = stack.fx.command({ text: commandText, user_id: user, channel_id: OPS });
  const res = await stack.send.command(sent);
  expect(res.status).toBe(200);
  return {
    ack: res.text,
    sent,
    replies: replies > 0 ? await stack.responsesFor(sent.response_url, replies) : [],
  };
}

const WARNINGS = [
  'approval rule "job-deletes" needs 1 approval from 1 person, and U0ALICE may also ask',
  'approval rule "cron-deletes" needs 2 approvals but only 1 person can approve',
  'approval rule "prod-deploys" needs 1 approval from 1 person, and U0BOB may also ask',
  'approval rule "allocation-changes" needs 1 approval from 1 person, and U0BOB may also ask',
  'approval rule "allocation-changes" matches read-only operations (allocation:list, allocation:get)',
  'task:deploy-config runs without an approval, while task:deploy needs one (approval rule "prod-deploys")',
];

describe("permissions file warnings", () => {
  it("are logged at start-up, one line each", () => {
    const lines = logged.filter((l) => l.msg.startsWith("permissions file: "));
    expect(lines.every((l) => l.level === 40)).toBe(true);
    expect(lines.map((l) => l.kind)).toEqual([
      "matches-reads",
      "unsatisfiable",
      "unsatisfiable",
      "unsatisfiable",
      "unsatisfiable",
      "uncovered-similar",
    ]);
    for (const warning of WARNINGS) expect(lines.filter((l) => l.msg.includes(warning))).toHaveLength(1);
  });

  it("are shown to an admin in /ops whoami, and not to anyone else", async () => {
    const admin = text((await command("whoami", "U0BOB")).replies);
    expect(admin).toContain("The permissions file has 6 warnings (shown to admins)");
    for (const warning of WARNINGS) expect(admin).toContain(warning.replace(/"/g, '\\"'));
    const operator = text((await command("whoami", "U0ALICE")).replies);
    expect(operator).toContain("Roles here");
    expect(operator).not.toContain("warning");
  });

  it("follow the help overview for an admin, and only the overview", async () => {
    const admin = await command("help", "U0BOB");
    expect(admin.ack).toContain("opsbot help");
    expect(text(admin.replies)).toContain("permissions file has 6 warnings");
    expect(text(admin.replies)).toContain("matches read-only operations");
    // Nothing follows the overview for a non-admin, nor a topic's help for an admin.
    for (const [topic, user] of [
      ["help", "U0ALICE"],
      ["help task", "U0BOB"],
    ] as const) {
      const asked = await command(topic, user, 0);
      expect(asked.ack).toContain("opsbot help");
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(stack.slackApi.responses().filter((r) => r.url === asked.sent.response_url)).toEqual([]);
    }
  });
});

describe("a request nobody could approve", () => {
  it("is refused with the reason when the requester is the only approver: nothing asked, nothing run", async () => {
    const before = stack.sims.deploy.requests.length;
    const posted = stack.slackApi.messages(OPS).length;
    const [reply] = (await command("job delete analytics nightly", "U0ALICE")).replies;
    expect(text(reply)).toContain(
      'needs 1 approval (rule \\"job-deletes\\") from <@U0ALICE>, but nobody other than you can approve it, so nothing was asked and nothing ran',
    );
    expect(stack.slackApi.messages(OPS)).toHaveLength(posted);
    expect(await store.approvals.listByRequester("U0ALICE", 10)).toEqual([]);
    expect(stack.sims.deploy.requests.slice(before)).toEqual([]);
    const [refused] = await store.audit.query({ limit: 1, operationId: "job:delete" });
    expect(refused).toMatchObject({ kind: "refusal", outcome: "no-approvers", userId: "U0ALICE" });
  });

  it("is refused when a group has fewer members than required", async () => {
    const [reply] = (await command("cronjob delete analytics hourly", "U0ALICE")).replies;
    expect(text(reply)).toContain("needs 2 approvals");
    expect(text(reply)).toContain("but only 1 person other than you can approve it");
    expect(await store.approvals.listByRequester("U0ALICE", 10)).toEqual([]);
  });

  it("is asked as usual when someone else can approve", async () => {
    const [reply] = (
      await command("task deploy analytics job_python --name w --namespace prod-eu", "U0ALICE")
    ).replies;
    expect(text(reply)).toContain("needs 1 approval from <!subteam^S0SRE>");
    expect(await store.approvals.listByRequester("U0ALICE", 10)).toHaveLength(1);
  });
});
