import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { identityFromEmail } from "../../src/api/identity.js";
import { decodeApprovalValue } from "../../src/blocks/approval.js";
import { BLOCK } from "../../src/blocks/ids.js";
import { createCatalogue } from "../../src/catalogue/index.js";
import { knownOperationIds } from "../../src/catalogue/parse.js";
import { parsePolicy } from "../../src/core/policy/policy-file.js";
import { openSqliteStore, type Store } from "../../src/store/index.js";
import { type AppStack, startAppStack } from "../helpers/app-stack.js";

// A request whose last approval was recorded by a process that died before running it: the store says
// "approved" and nothing ran. The sweep (which runs at start-up) runs it, once; when the approval window
// has closed meanwhile, it ends it without a run.

const catalogue = createCatalogue();
const policy = parsePolicy(
  `
roles: { operator: ["job:delete"], admin: ["*"] }
grants:
  - { role: operator, to: { users: [U0ALICE] } }
  - { role: admin, to: { users: [U0BOB] } }
approvals:
  - { name: deletes, match: ["job:delete"], approvers: { users: [U0BOB] }, required: 1, expires_after: 30m }
`,
  { source: "approved-unrun.yml", knownOperations: knownOperationIds(catalogue) },
);
let clock = Date.parse("2026-11-23T10:00:00Z");
let store: Store;
let stack: AppStack;

beforeAll(async () => {
  store = openSqliteStore({ path: ":memory:" });
  stack = await startAppStack({
    catalogue,
    users: [
      { id: "U0ALICE", name: "alice", email: "alice@example.com" },
      { id: "U0BOB", name: "bob", email: "bob@example.com" },
    ],
    policy,
    store,
    now: () => clock,
  });
});
afterAll(async () => {
  await stack.close();
  await store.close();
});

/** Asks for a delete, then records bob's approval straight in the store, as the dead process did. */
async function approvedButNeverRun(name: string, channel: string): Promise<string> {
  await stack.api.deploy.deployTaskAs(
    { repository: "analytics", directory: "job_python", name },
    { identity: identityFromEmail("seed@example.com") },
  );
  const command = stack.fx.command({
    text: `job delete analytics ${name}`,
    user_id: "U0ALICE",
    channel_id: channel,
  });
  expect((await stack.send.command(command)).status).toBe(200);
  await stack.responseFor(command.response_url);
  const message = stack.slackApi.messages(channel).at(-1);
  const blocks = (message?.blocks ?? []) as { block_id?: string; elements?: { value?: string }[] }[];
  const value = blocks.find((b) => b.block_id === BLOCK.approvalButtons)?.elements?.[0]?.value;
  const requestId = decodeApprovalValue(value)?.requestId;
  if (!requestId) throw new Error("no approval request");
  expect(await store.approvals.approve(requestId, "U0BOB", clock)).toMatchObject({ complete: true });
  return requestId;
}

const deletes = (name: string) =>
  stack.sims.deploy.requests.filter((r) => r.url === `/v1/delete/job/analytics/${name}`);

describe("a request approved but never run (the approver's process died)", () => {
  it("is run once by the sweep, and the message says it is done", async () => {
    const id = await approvedButNeverRun("unrun-1", "C0UNRUN01");
    await Promise.all([stack.bot.core.approvals.sweep(), stack.bot.core.approvals.sweep()]);
    await stack.bot.core.approvals.sweep();
    expect(deletes("unrun-1")).toHaveLength(1);
    expect(await store.approvals.get(id)).toMatchObject({
      status: "succeeded",
      outcome: { summary: "Deleted job unrun-1" },
    });
    expect(JSON.stringify(stack.slackApi.messages("C0UNRUN01").at(-1))).toContain("and done");
  });

  it("is ended without a run when its approval window closed before the restart", async () => {
    const id = await approvedButNeverRun("unrun-2", "C0UNRUN02");
    clock += 31 * 60_000;
    await stack.bot.core.approvals.sweep();
    expect(deletes("unrun-2")).toHaveLength(0);
    expect(await store.approvals.get(id)).toMatchObject({
      status: "failed",
      outcome: { summary: expect.stringContaining("nothing was run") },
    });
  });
});
