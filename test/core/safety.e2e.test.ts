import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { identityFromEmail } from "../../src/api/identity.js";
import { decodeApprovalValue, encodeApprovalValue } from "../../src/blocks/approval.js";
import { ACTION, BLOCK, encodeOperationValue } from "../../src/blocks/ids.js";
import { createCatalogue } from "../../src/catalogue/index.js";
import { knownOperationIds } from "../../src/catalogue/parse.js";
import { parsePolicy } from "../../src/core/policy/policy-file.js";
import { openSqliteStore, type Store } from "../../src/store/index.js";
import { type AppStack, startAppStack } from "../helpers/app-stack.js";

// The safety layer end to end: signed requests into the real receiver, approvals in SQLite, the Deploy
// simulator as the backend that must (or must not) be called.

const OPS = "C0OPS0001"; // the fixtures' default channel
const DEPLOYS = "C0DEPLOYS";
const catalogue = createCatalogue();
const POLICY_YAML = `
roles:
  viewer: ["*:list", "*:get", "*:state", "*:loading", "*:templates", "*:template", "help", "whoami"]
  operator: ["task:deploy", "task:load", "job:delete", "cronjob:delete", "pipeline:kill"]
  deployer: ["task:deploy"]
  admin: ["*"]
grants:
  - { role: viewer, to: { everyone: true } }
  - { role: operator, to: { users: [U0ALICE] } }
  - { role: operator, to: { usergroups: [S0OPS] } }
  - { role: deployer, to: { users: [U0DAVE] }, channels: [${DEPLOYS}] }
  - { role: admin, to: { usergroups: [S0SRE] } }
approvals:
  - name: deletes
    match: ["job:delete"]
    approvers: { usergroups: [S0SRE] }
    required: 1
    expires_after: 30m
  - name: cronjob deletes
    match: ["cronjob:delete"]
    approvers: { users: [U0BOB, U0CAROL, U0ERIN] }
    required: 2
  - name: production deploys
    match: ["task:deploy"]
    when: { namespace: "prod*" }
    approvers: { users: [U0ALICE, U0BOB] }
    required: 1
    allow_self_approval: true
`;
const policy = parsePolicy(POLICY_YAML, {
  source: "safety-test.yml",
  knownOperations: knownOperationIds(catalogue),
});
const USERS = ["ALICE", "BOB", "CAROL", "DAVE", "ERIN", "FRANK"].map((n) => ({
  id: `U0${n}`,
  name: n.toLowerCase(),
  email: `${n.toLowerCase()}@example.com`,
}));
const GROUPS = [
  { id: "S0SRE", handle: "sre", users: ["U0BOB", "U0CAROL"] },
  { id: "S0OPS", handle: "ops", users: ["U0FRANK"] },
];
// A few approvers beyond the SRE group, for the 50 concurrent clicks.
const MANY = Array.from({ length: 50 }, (_, i) => ({
  id: `U0SRE${String(i).padStart(2, "0")}`,
  name: `sre${i}`,
}));

let dir: string;
let dbPath: string;
let store: Store;
let stack: AppStack;
let clock = Date.parse("2026-11-23T10:00:00Z");

async function start(): Promise<AppStack> {
  return startAppStack({
    catalogue,
    users: [...USERS, ...MANY],
    userGroups: [
      GROUPS[0] ? { ...GROUPS[0], users: [...GROUPS[0].users, ...MANY.map((u) => u.id)] } : GROUPS[0],
      GROUPS[1],
    ].filter((g): g is (typeof GROUPS)[number] => g !== undefined),
    policy,
    store,
    now: () => clock,
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "opsbot-safety-"));
  dbPath = join(dir, "opsbot.db");
  store = openSqliteStore({ path: dbPath });
  stack = await start();
});
afterAll(async () => {
  await stack.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const text = (value: unknown) => JSON.stringify(value);

async function run(commandText: string, user = "U0ALICE", channel = OPS) {
  const command = stack.fx.command({ text: commandText, user_id: user, channel_id: channel });
  const res = await stack.send.command(command);
  expect(res.status).toBe(200);
  return { command, reply: await stack.responseFor(command.response_url) };
}

/** Deploy API calls that changed something (deletes, deploys) since `from`. */
function changes(from: number) {
  return stack.sims.deploy.requests.slice(from).filter((r) => /delete|deploy/.test(r.url));
}

/** The approval request message posted in `channel` most recently, with its buttons' value. */
function latestRequest(channel = OPS) {
  const message = stack.slackApi.messages(channel).at(-1);
  if (!message) throw new Error(`no message in ${channel}`);
  const blocks =
    (message as unknown as { blocks?: { block_id?: string; elements?: { value?: string }[] }[] }).blocks ??
    [];
  const value = blocks.find((b) => b.block_id === BLOCK.approvalButtons)?.elements?.[0]?.value;
  return { message, value, decoded: decodeApprovalValue(value) };
}

async function click(action: string, value: string, user: string, channel = OPS) {
  const payload = stack.fx.blockActions(
    {
      type: "button" as const,
      action_id: action,
      block_id: BLOCK.approvalButtons,
      text: { type: "plain_text" as const, text: action },
      value,
      action_ts: "1700000000.000001",
    },
    { user, channel },
  );
  const res = await stack.send.interaction(payload);
  expect(res.status).toBe(200);
  return payload;
}

async function toldTo(payload: { response_url: string }) {
  const [reply] = await stack.responsesFor(payload.response_url, 1);
  return String(reply?.text ?? "");
}

// Long enough for a click's first users.info lookup (the clicker's standing) on a loaded machine.
async function settle(ms = 400) {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** A job in the simulator for a delete to find. */
async function makeJob(name: string) {
  await stack.api.deploy.deployTaskAs(
    { repository: "analytics", directory: "job_python", name },
    { identity: identityFromEmail("seed@example.com") },
  );
}

/** Waits until the request reaches a final state, and returns it. */
async function finalState(id: string) {
  for (let i = 0; i < 200; i++) {
    const request = await store.approvals.get(id);
    if (request && ["succeeded", "failed", "denied", "expired"].includes(request.status)) return request;
    await settle(20);
  }
  throw new Error(`request ${id} did not finish`);
}

describe("permissions", () => {
  it("refuses a command without the role, naming the role and who can grant it, and calls nothing", async () => {
    const before = stack.sims.deploy.requests.length;
    const { reply } = await run("job delete analytics nightly-report", "U0ERIN");
    expect(reply.response_type).toBe("ephemeral");
    expect(text(reply)).toContain("`job:delete` needs the operator or admin role");
    expect(text(reply)).toContain("<!subteam^S0SRE>");
    expect(stack.sims.deploy.requests.length).toBe(before);
  });

  it("grants through a user group", async () => {
    const { reply } = await run(
      "task deploy analytics job_python --name grp-ok --namespace analytics",
      "U0FRANK",
    );
    expect(text(reply)).toContain("Task deployed");
  });

  it("honours a grant's channel restriction, and says where the role applies", async () => {
    const elsewhere = await run(
      "task deploy analytics job_python --name dave-1 --namespace analytics",
      "U0DAVE",
      OPS,
    );
    expect(text(elsewhere.reply)).toContain(`which you have only in <#${DEPLOYS}>`);
    const there = await run(
      "task deploy analytics job_python --name dave-2 --namespace analytics",
      "U0DAVE",
      DEPLOYS,
    );
    expect(text(there.reply)).toContain("Task deployed");
  });

  it("checks the person who clicks a button, not the one who posted it", async () => {
    const value = encodeOperationValue({
      operationId: "job:delete",
      args: { namespace: "analytics", name: "x" },
    });
    const before = stack.sims.deploy.requests.length;
    const payload = stack.fx.blockActions(
      {
        type: "button" as const,
        action_id: ACTION.runOperation,
        block_id: BLOCK.nextSteps,
        text: { type: "plain_text" as const, text: "Delete" },
        value: value ?? "",
        action_ts: "1700000000.000002",
      },
      { user: "U0ERIN" },
    );
    await stack.send.interaction(payload);
    const [reply] = await stack.responsesFor(payload.response_url, 1);
    expect(text(reply)).toContain("needs the operator or admin role");
    expect(stack.sims.deploy.requests.length).toBe(before);
  });

  it("whoami shows the roles here", async () => {
    const { reply } = await run("whoami", "U0DAVE", DEPLOYS);
    expect(text(reply)).toContain("viewer, deployer");
  });
});

describe("approvals", () => {
  it("posts a request instead of running, and a single SRE approval runs it once as the requester", async () => {
    const before = stack.sims.deploy.requests.length;
    const { reply } = await run("job delete analytics nightly-report");
    expect(text(reply)).toContain("needs 1 approval from <!subteam^S0SRE>");
    expect(changes(before)).toEqual([]);
    const { decoded, value } = latestRequest();
    if (!decoded || !value) throw new Error("no approval buttons");
    const stored = await store.approvals.get(decoded.requestId);
    expect(stored).toMatchObject({
      status: "pending",
      requesterId: "U0ALICE",
      requesterIdentity: "alice@example.com",
    });

    // The requester cannot approve their own request; someone outside the rule cannot either.
    expect(await toldTo(await click(ACTION.approve, value, "U0ALICE"))).toContain(
      "cannot approve your own request",
    );
    expect(await toldTo(await click(ACTION.approve, value, "U0FRANK"))).toContain(
      "Only <!subteam^S0SRE> may approve",
    );
    expect(changes(before)).toEqual([]);

    await click(ACTION.approve, value, "U0BOB");
    await settle();
    const sent = changes(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.headers.identity).toBe("alice@example.com");
    expect(await store.approvals.get(decoded.requestId)).toMatchObject({
      status: "succeeded",
      approvals: [{ userId: "U0BOB" }],
    });
    const updated = stack.slackApi.callsTo("chat.update").at(-1);
    expect(text(updated?.args)).toContain("and done");
    // One title from the request to its outcome, however often the card is edited.
    const cards = [...stack.slackApi.callsTo("chat.postMessage"), ...stack.slackApi.callsTo("chat.update")]
      .map((call) => text(call.args))
      .filter((card) => card.includes(decoded.requestId));
    expect(cards.length).toBeGreaterThanOrEqual(2);
    for (const card of cards) expect(card).toContain('"text":"Approval request"');
  });

  it("needs N distinct approvers: a repeated approver does not count twice", async () => {
    const before = stack.sims.deploy.requests.length;
    await run("cronjob delete analytics hourly-sync");
    const { value, decoded } = latestRequest();
    if (!value || !decoded) throw new Error("no approval buttons");
    await click(ACTION.approve, value, "U0BOB");
    expect(await toldTo(await click(ACTION.approve, value, "U0BOB"))).toContain("already approved");
    await settle();
    expect(changes(before)).toEqual([]);
    await click(ACTION.approve, value, "U0CAROL");
    await settle();
    expect(changes(before)).toHaveLength(1);
    expect((await store.approvals.get(decoded.requestId))?.approvals.map((a) => a.userId)).toEqual([
      "U0BOB",
      "U0CAROL",
    ]);
  });

  it("ends at one Deny, and the buttons say so", async () => {
    const before = stack.sims.deploy.requests.length;
    await run("job delete analytics to-deny");
    const { value, decoded } = latestRequest();
    if (!value || !decoded) throw new Error("no approval buttons");
    await click(ACTION.deny, value, "U0CAROL");
    await settle();
    expect(await store.approvals.get(decoded.requestId)).toMatchObject({
      status: "denied",
      decidedBy: "U0CAROL",
    });
    expect(text(stack.slackApi.callsTo("chat.update").at(-1)?.args)).toContain("Denied by <@U0CAROL>");
    expect(await toldTo(await click(ACTION.approve, value, "U0BOB"))).toContain("already denied");
    expect(changes(before)).toEqual([]);
  });

  it("expires past expires_after: the sweep edits the message, and late clicks do nothing", async () => {
    const before = stack.sims.deploy.requests.length;
    await run("job delete analytics to-expire");
    const { value, decoded } = latestRequest();
    if (!value || !decoded) throw new Error("no approval buttons");
    clock += 31 * 60_000;
    try {
      expect(await stack.bot.core.approvals.sweep()).toBeGreaterThanOrEqual(1);
      const edits = stack.slackApi
        .callsTo("chat.update")
        .filter((c) => text(c.args).includes(decoded.requestId));
      expect(text(edits.at(-1)?.args)).toContain("Expired");
      expect(await toldTo(await click(ACTION.approve, value, "U0BOB"))).toContain("already expired");
      expect(changes(before)).toEqual([]);
      const audit = await store.audit.query({ limit: 5, operationId: "job:delete" });
      expect(audit.map((e) => e.kind)).toContain("approval.expired");
    } finally {
      clock -= 31 * 60_000;
    }
  });

  it("makes one backend call for 50 simultaneous approvals", async () => {
    await makeJob("fifty-clicks");
    const before = stack.sims.deploy.requests.length;
    await run("job delete analytics fifty-clicks");
    const { value, decoded } = latestRequest();
    if (!value || !decoded) throw new Error("no approval buttons");
    await Promise.all(MANY.map((u) => click(ACTION.approve, value, u.id)));
    const final = await finalState(decoded.requestId);
    expect(final.outcome?.summary).toBe("Deleted job fifty-clicks");
    expect(final).toMatchObject({ status: "succeeded" });
    await settle(200);
    expect(changes(before)).toHaveLength(1);
  });

  it("refuses a button whose value was tampered with, and runs nothing", async () => {
    const before = stack.sims.deploy.requests.length;
    await run("job delete analytics tamper-me");
    const { decoded } = latestRequest();
    if (!decoded) throw new Error("no approval buttons");
    const forged = encodeApprovalValue({ requestId: decoded.requestId, fingerprint: "0".repeat(64) });
    expect(await toldTo(await click(ACTION.approve, forged, "U0BOB"))).toContain(
      "does not match the request",
    );
    expect(await toldTo(await click(ACTION.approve, '{"r":"apr_x","f":"zz"}', "U0BOB"))).toContain(
      "not a valid approval button",
    );
    expect(changes(before)).toEqual([]);
    expect(await store.approvals.get(decoded.requestId)).toMatchObject({ status: "pending", approvals: [] });
  });

  it("refuses to run an approved request whose stored call was changed", async () => {
    const before = stack.sims.deploy.requests.length;
    await run("job delete analytics swapped");
    const { value, decoded } = latestRequest();
    if (!value || !decoded) throw new Error("no approval buttons");
    // Someone with access to the database rewrites the arguments; the fingerprint no longer matches.
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(dbPath);
    db.prepare("UPDATE approval_requests SET raw_args = ? WHERE id = ?").run(
      JSON.stringify({ namespace: "analytics", name: "something-else" }),
      decoded.requestId,
    );
    db.close();
    await click(ACTION.approve, value, "U0BOB");
    await settle();
    expect(changes(before)).toEqual([]);
    expect(await store.approvals.get(decoded.requestId)).toMatchObject({
      status: "failed",
      outcome: { summary: expect.stringContaining("not the one that was approved") },
    });
  });

  it("applies `when` conditions: a prod deploy waits for a lead, the same deploy elsewhere runs", async () => {
    const before = stack.sims.deploy.requests.length;
    const staging = await run("task deploy analytics job_python --name when-1 --namespace staging");
    expect(text(staging.reply)).toContain("Task deployed");
    const prod = await run("task deploy analytics job_python --name when-2 --namespace prod-eu");
    expect(text(prod.reply)).toContain("needs 1 approval from <@U0ALICE> or <@U0BOB>");
    expect(changes(before)).toHaveLength(1);
    // This rule allows self-approval.
    const { value } = latestRequest();
    if (!value) throw new Error("no approval buttons");
    await click(ACTION.approve, value, "U0ALICE");
    await settle();
    expect(changes(before)).toHaveLength(2);
  });

  it("survives a restart: a request made before it is approved after it", async () => {
    await makeJob("across-restart");
    const before = stack.sims.deploy.requests.length;
    await run("job delete analytics across-restart");
    const { value, decoded } = latestRequest();
    if (!value || !decoded) throw new Error("no approval buttons");
    await stack.close();
    await store.close();
    store = openSqliteStore({ path: dbPath });
    stack = await start();
    // A new app and new simulators: the job is created again in the fresh Deploy simulator.
    await makeJob("across-restart");
    const sinceRestart = stack.sims.deploy.requests.length;
    expect(before).toBeGreaterThan(0);
    await click(ACTION.approve, value, "U0CAROL");
    expect(await finalState(decoded.requestId)).toMatchObject({
      status: "succeeded",
      outcome: { summary: "Deleted job across-restart" },
    });
    expect(changes(sinceRestart)).toHaveLength(1);
  });
});

describe("change freezes", () => {
  it("lock refuses a deploy; --force by an admin needs an approval and is audited", async () => {
    expect(text((await run('lock namespace analytics --reason "quarter close"', "U0ALICE")).reply)).toContain(
      "needs the admin role",
    );
    const locked = await run('lock namespace analytics --reason "quarter close" --until 2h', "U0BOB");
    expect(locked.reply.response_type).toBe("in_channel");
    expect(text(locked.reply)).toContain("quarter close");

    const before = stack.sims.deploy.requests.length;
    const refused = await run("task deploy analytics job_python --name frozen --namespace analytics");
    expect(String(text(refused.reply))).toContain("is locked");
    expect(String(text(refused.reply))).toContain("quarter close");
    expect(
      text((await run("task deploy analytics job_python --name frozen --namespace analytics --force")).reply),
    ).toContain("Only admins may override");
    expect(changes(before)).toEqual([]);

    const forced = await run(
      "task deploy analytics job_python --name frozen --namespace analytics --force",
      "U0BOB",
    );
    expect(text(forced.reply)).toContain("needs 1 approval");
    const { value } = latestRequest();
    if (!value) throw new Error("no approval buttons");
    expect(text(stack.slackApi.messages(OPS).at(-1))).toContain("change-freeze override");
    expect(await toldTo(await click(ACTION.approve, value, "U0BOB"))).toContain(
      "cannot approve your own request",
    );
    await click(ACTION.approve, value, "U0CAROL");
    await settle();
    expect(changes(before)).toHaveLength(1);

    const audited = await store.audit.query({ limit: 50 });
    expect(audited.find((e) => e.kind === "execution" && e.operationId === "lock")).toMatchObject({
      userId: "U0BOB",
      outcome: "succeeded",
      args: { kind: "namespace", name: "analytics", reason: ["quarter close"], until: ["2h"] },
    });
    expect(
      audited.find((e) => e.kind === "command" && e.outcome === "needs-approval" && e.userId === "U0BOB"),
    ).toMatchObject({
      operationId: "task:deploy",
      detail: "change-freeze override",
    });
    expect(String((await run("unlock namespace analytics", "U0BOB")).reply.text)).toContain("Unlocked");
    expect(String((await run("lock", "U0DAVE")).reply.text)).toContain("No change freezes");
  });

  it("--force on a target that is not locked is refused", async () => {
    const { reply } = await run("job delete analytics x --force", "U0BOB");
    expect(text(reply)).toContain("not locked");
  });
});

describe("the audit log", () => {
  it("shows admins who did what, with one correlation ID per request, and refuses others", async () => {
    expect(text((await run("audit", "U0ALICE")).reply)).toContain("needs the admin role");
    const { reply } = await run("audit --operation job:delete --limit 50", "U0BOB");
    const shown = text(reply);
    expect(shown).toContain("approval.requested job:delete");
    expect(shown).toContain("execution job:delete");
    const entries = await store.audit.query({ operationId: "job:delete", limit: 500 });
    const executed = entries.find((e) => e.kind === "execution" && e.outcome === "succeeded");
    if (!executed) throw new Error("no execution audited");
    const sameRequest = entries.filter((e) => e.correlationId === executed.correlationId).map((e) => e.kind);
    expect(sameRequest).toEqual(
      expect.arrayContaining(["command", "approval.requested", "approval.approved", "execution"]),
    );
    const csv = await run("audit --user <@U0ERIN|erin> --format csv", "U0BOB");
    expect(text(csv.reply)).toContain("at,kind,operation,user");
    expect(text(csv.reply)).toContain("refusal");
  });
});

describe("start-up", () => {
  it("refuses a broken permissions file with the line and key of each problem", async () => {
    const file = join(dir, "broken.yml");
    writeFileSync(
      file,
      "roles:\n  viewer: [task:lsit]\ngrants:\n  - { role: viewr, to: { everyone: true } }\n",
    );
    const { createBot } = await import("../../src/app/bot.js");
    const { loadConfig } = await import("../../src/app/config.js");
    const pino = (await import("pino")).default;
    const config = loadConfig({
      SLACK_BOT_TOKEN: "xoxb-test",
      SLACK_SIGNING_SECRET: "s",
      OPSBOT_CONFIG: file,
      OPSBOT_DB: ":memory:",
    });
    expect(() =>
      createBot({
        config,
        api: stack.api,
        catalogue,
        logger: pino({ level: "silent" }),
        botId: "B1",
        botUserId: "U1",
      }),
    ).toThrow(
      /broken\.yml:2:12 roles\.viewer\[0\]: matches no operation[\s\S]*broken\.yml:4:13 grants\[0\]\.role/,
    );
  });
  it("refuses a when-condition on an argument none of the rule's operations has", async () => {
    const file = join(dir, "typo.yml");
    writeFileSync(
      file,
      "roles: { admin: ['*'] }\ngrants: [{ role: admin, to: { everyone: true } }]\napprovals:\n  - { name: prod, match: [task:deploy], when: { namspace: 'prod*' }, approvers: { users: [U0BOB] } }\n",
    );
    const { createBot } = await import("../../src/app/bot.js");
    const { loadConfig } = await import("../../src/app/config.js");
    const pino = (await import("pino")).default;
    const config = loadConfig({
      SLACK_BOT_TOKEN: "xoxb-test",
      SLACK_SIGNING_SECRET: "s",
      OPSBOT_CONFIG: file,
      OPSBOT_DB: ":memory:",
    });
    expect(() =>
      createBot({
        config,
        api: stack.api,
        catalogue,
        logger: pino({ level: "silent" }),
        botId: "B1",
        botUserId: "U1",
      }),
    ).toThrow(/namspace/);
  });
});
