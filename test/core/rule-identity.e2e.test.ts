import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { identityFromEmail } from "../../src/api/identity.js";
import { decodeApprovalValue } from "../../src/blocks/approval.js";
import { ACTION, BLOCK } from "../../src/blocks/ids.js";
import { createCatalogue } from "../../src/catalogue/index.js";
import { knownOperationIds } from "../../src/catalogue/parse.js";
import { parsePolicy } from "../../src/core/policy/policy-file.js";
import { openSqliteStore, type Store } from "../../src/store/index.js";
import { type AppStack, startAppStack } from "../helpers/app-stack.js";

// Approval rules keep their identity across an edit of the permissions file: requests pending under a
// rule with an `id` (or a name) follow it wherever it moves; a request whose rule was removed, or moved
// or changed with nothing to follow it by, is ended at the next click rather than handed to whichever
// rule now sits at its old place. Signed requests into the real receiver; the restart reads the edit.

const OPS = "C0OPS0001"; // the fixtures' default channel
const catalogue = createCatalogue();
const HEAD = `
roles:
  viewer: ["*:list", "*:get", "*:state", "help", "whoami"]
  operator: ["job:delete", "cronjob:delete", "task:deploy"]
grants:
  - { role: viewer, to: { everyone: true } }
  - { role: operator, to: { users: [U0ALICE] } }
approvals:
`;
const LEGACY = `
  - id: legacy-deletes
    match: ["job:delete"]
    when: { namespace: "legacy*" }
    approvers: { users: [U0ERIN] }`;
const JOB_DELETES = `
  - match: ["job:delete"]
    approvers: { users: [U0BOB] }`;
const CRON_DELETES = `
  - match: ["cronjob:delete"]
    approvers: { users: [U0CAROL] }`;
const BATCH = `
  - name: batch cron deletes
    match: ["cronjob:delete"]
    when: { namespace: "batch*" }
    approvers: { users: [U0FRANK] }`;
const PROD = (name: string) => `
  - id: prod-deploys
    name: ${name}
    match: ["task:deploy"]
    when: { namespace: "prod*" }
    approvers: { users: [U0DAVE] }`;
const policyOf = (yaml: string) =>
  parsePolicy(yaml, { source: "rule-identity.yml", knownOperations: knownOperationIds(catalogue) });
// Before, the unnamed job-delete rule is "rule 3" and the unnamed cron one "rule 4"; after, they swap
// places: found by name or position alone, each request would go to the other rule's approvers.
const BEFORE = policyOf(HEAD + LEGACY + BATCH + JOB_DELETES + CRON_DELETES + PROD("production deploys"));
const AFTER = policyOf(HEAD + BATCH + PROD("prod deploys") + CRON_DELETES + JOB_DELETES);
const USERS = ["ALICE", "BOB", "CAROL", "DAVE", "ERIN", "FRANK"].map((n) => ({
  id: `U0${n}`,
  name: n.toLowerCase(),
  email: `${n.toLowerCase()}@example.com`,
}));

let store: Store;
let stack: AppStack;
const pending: Record<"deploy" | "job" | "cron" | "batch" | "legacy", { id: string; value: string }> = {
  deploy: { id: "", value: "" },
  batch: { id: "", value: "" },
  job: { id: "", value: "" },
  cron: { id: "", value: "" },
  legacy: { id: "", value: "" },
};

const text = (value: unknown) => JSON.stringify(value);

async function run(commandText: string, user = "U0ALICE") {
  const command = stack.fx.command({ text: commandText, user_id: user, channel_id: OPS });
  expect((await stack.send.command(command)).status).toBe(200);
  return stack.responseFor(command.response_url);
}

/** Asks for `commandText` and returns the request its approval message names. */
async function ask(commandText: string) {
  expect(text(await run(commandText))).toContain("needs 1 approval");
  const message = stack.slackApi.messages(OPS).at(-1);
  const blocks =
    (message as unknown as { blocks?: { block_id?: string; elements?: { value?: string }[] }[] })?.blocks ??
    [];
  const value = blocks.find((b) => b.block_id === BLOCK.approvalButtons)?.elements?.[0]?.value;
  const decoded = decodeApprovalValue(value);
  if (!value || !decoded) throw new Error(`no approval buttons for ${commandText}`);
  return { id: decoded.requestId, value };
}

/** Clicks a button and returns what the clicker was told privately ("" when nothing). */
async function click(action: string, value: string, user: string, told = true) {
  const payload = stack.fx.blockActions(
    {
      type: "button" as const,
      action_id: action,
      block_id: BLOCK.approvalButtons,
      text: { type: "plain_text" as const, text: action },
      value,
      action_ts: "1700000000.000001",
    },
    { user, channel: OPS },
  );
  expect((await stack.send.interaction(payload)).status).toBe(200);
  if (!told) return "";
  const [reply] = await stack.responsesFor(payload.response_url, 1);
  return String(reply?.text ?? "");
}

/** Deploy API calls that changed something since `from`. */
function changes(from: number) {
  return stack.sims.deploy.requests.slice(from).filter((r) => /delete|deploy/.test(r.url));
}

async function finalState(id: string) {
  for (let i = 0; i < 200; i++) {
    const request = await store.approvals.get(id);
    if (request && ["succeeded", "failed", "denied", "expired"].includes(request.status)) return request;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`request ${id} did not finish`);
}

beforeAll(async () => {
  store = openSqliteStore({ path: ":memory:" });
  stack = await startAppStack({ catalogue, users: USERS, policy: BEFORE, store });
  await stack.api.deploy.deployTaskAs(
    { repository: "analytics", directory: "job_python", name: "nightly" },
    { identity: identityFromEmail("seed@example.com") },
  );
  pending.deploy = await ask("task deploy analytics job_python --name prod-job --namespace prod-eu");
  pending.job = await ask("job delete analytics nightly");
  pending.cron = await ask("cronjob delete analytics hourly-sync");
  pending.batch = await ask("cronjob delete batch-eu nightly-batch");
  pending.legacy = await ask("job delete legacy-eu old-report");
  expect((await store.approvals.get(pending.job.id))?.rule).toMatchObject({ name: "rule 3", named: false });
  // The edit: the named rule moves to the top, the id'd one is renamed, the legacy rule goes, the
  // unnamed ones swap.
  await stack.restartBot(AFTER);
});
afterAll(async () => {
  await stack.close();
  await store.close();
});

describe("a policy edit that reorders rules while requests are pending", () => {
  it("a rule with an id keeps its pending request: only its approvers decide, and it runs", async () => {
    const before = stack.sims.deploy.requests.length;
    expect(await click(ACTION.approve, pending.deploy.value, "U0CAROL")).toContain(
      "Only <@U0DAVE> may approve",
    );
    expect(changes(before)).toEqual([]);
    await click(ACTION.approve, pending.deploy.value, "U0DAVE", false);
    const done = await finalState(pending.deploy.id);
    expect(done.status).toBe("succeeded");
    expect(done.approvals.map((a) => a.userId)).toEqual(["U0DAVE"]);
    expect(changes(before)).toHaveLength(1);
  });

  it("a named rule is found by its name wherever it moved", async () => {
    const before = stack.sims.deploy.requests.length;
    expect(await click(ACTION.approve, pending.batch.value, "U0CAROL")).toContain(
      "Only <@U0FRANK> may approve",
    );
    await click(ACTION.approve, pending.batch.value, "U0FRANK", false);
    const done = await finalState(pending.batch.id);
    expect(["succeeded", "failed"]).toContain(done.status);
    expect(done.approvals.map((a) => a.userId)).toEqual(["U0FRANK"]);
    expect(changes(before)).toHaveLength(1);
  });

  it("an unnamed rule that moved is not handed to the rule now in its place: the click ends the request", async () => {
    const before = stack.sims.deploy.requests.length;
    // "rule 3" is now the cron rule, whose approver Carol is: she must not be able to approve a job delete.
    const told = await click(ACTION.approve, pending.job.value, "U0CAROL");
    expect(told).toContain("This request has ended");
    expect(told).toContain("ask again");
    expect(await store.approvals.get(pending.job.id)).toMatchObject({
      status: "expired",
      approvals: [],
      outcome: { ok: false, summary: expect.stringContaining('approval rule "rule 3" was removed') },
    });
    expect(changes(before)).toEqual([]);
    const card = stack.slackApi
      .callsTo("chat.update")
      .filter((c) => text(c.args).includes(pending.job.id))
      .at(-1);
    expect(text(card?.args)).toContain("Ended: the approval rule");
    expect(text(card?.args)).not.toContain(BLOCK.approvalButtons);
    // Later clicks find it ended; the cron request, which "rule 4" (now the job rule) would take, ends too.
    expect(await click(ACTION.approve, pending.job.value, "U0BOB")).toContain("already expired");
    expect(await click(ACTION.approve, pending.cron.value, "U0BOB")).toContain("This request has ended");
    expect((await store.approvals.get(pending.cron.id))?.status).toBe("expired");
  });

  it("a removed rule ends its request at the next click, audited as expired with outcome rule-gone", async () => {
    const before = stack.sims.deploy.requests.length;
    const told = await click(ACTION.deny, pending.legacy.value, "U0ERIN");
    expect(told).toContain('the approval rule "legacy-deletes" was removed');
    expect((await store.approvals.get(pending.legacy.id))?.status).toBe("expired");
    const audit = await store.audit.query({ limit: 50, operationId: "job:delete" });
    expect(
      audit.filter((e) => e.kind === "approval.expired" && e.outcome === "rule-gone").map((e) => e.userId),
    ).toEqual(expect.arrayContaining(["U0CAROL", "U0ERIN"]));
    expect(changes(before)).toEqual([]);
  });
});
