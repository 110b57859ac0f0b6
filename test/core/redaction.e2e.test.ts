import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/app/logger.js";
import { decodeApprovalValue } from "../../src/blocks/approval.js";
import { ACTION, BLOCK } from "../../src/blocks/ids.js";
import { createCatalogue } from "../../src/catalogue/index.js";
import { knownOperationIds } from "../../src/catalogue/parse.js";
import { redactedValue } from "../../src/catalogue/sensitive.js";
import { parsePolicy } from "../../src/core/policy/policy-file.js";
import { openSqliteStore, type Store } from "../../src/store/index.js";
import { type AppStack, startAppStack } from "../helpers/app-stack.js";

// A pasted configuration holding a password, through the real receiver with signed requests: every log
// line, audit row, approval card and audit export shows its digest and never the value, two requests
// with the same value show the same digest, and the approved request still reaches the backend whole.

const OPS = "C0OPS0001";
const catalogue = createCatalogue();
const policy = parsePolicy(
  `
roles: { admin: ["*"] }
grants: [{ role: admin, to: { everyone: true } }]
approvals:
  - { name: configured deploys, match: ["task:deploy-config"], approvers: { users: [U0BOB] } }
`,
  { source: "redaction-test.yml", knownOperations: knownOperationIds(catalogue) },
);
const SECRET = "pw-7f3a9c1e-never-shown";
const CONFIG = `{"name":"hello-job","type":"job","env":{"DB_PASSWORD":"${SECRET}"}}`;
const OTHER = `{"name":"hello-job","type":"job","env":{"DB_PASSWORD":"another-one"}}`;
const lines: string[] = [];
// Every line at every level, Bolt's and the Slack client's debug lines included.
const logger = createLogger({
  level: "trace",
  destination: new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  }),
});
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
    logger,
  });
});
afterAll(async () => {
  await stack.close();
  await store.close();
});

async function until<T>(probe: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 250; i++) {
    const found = probe();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

type Blocks = { block_id?: string; text?: { text?: string }; elements?: { value?: string }[] }[];
const blocksOf = (message: unknown) => (message as { blocks?: Blocks }).blocks ?? [];
const approvalCards = () =>
  stack.slackApi.messages(OPS).filter((m) => blocksOf(m).some((b) => b.block_id === BLOCK.approvalStatus));

/** Asks for a configured deploy; resolves to the approval card it posted. */
async function ask(config: string) {
  const before = approvalCards().length;
  const command = stack.fx.command({
    text: `task deploy-config --namespace analytics --configuration '${config}'`,
    user_id: "U0ALICE",
    channel_id: OPS,
  });
  expect((await stack.send.command(command)).status).toBe(200);
  await stack.responseFor(command.response_url);
  return until(() => approvalCards()[before], "the approval card");
}

describe("a sensitive argument", () => {
  it("is shown as its digest in the cards, the audit rows, the export and the log, and runs whole", async () => {
    const digest = redactedValue(CONFIG);
    const first = await ask(CONFIG);
    const second = await ask(CONFIG);
    const third = await ask(OTHER);

    // The cards: the same digest for the same value, another for another, never the value.
    for (const card of [first, second])
      expect(JSON.stringify(blocksOf(card))).toContain(`--configuration \\"${digest}\\"`);
    expect(JSON.stringify(blocksOf(third))).toContain(redactedValue(OTHER));
    expect(JSON.stringify(blocksOf(third))).not.toContain(digest);
    expect(JSON.stringify(stack.slackApi.calls)).not.toContain(SECRET);

    // Bob approves the first: the Deploy API receives the configuration as it was typed.
    const value = blocksOf(first).find((b) => b.block_id === BLOCK.approvalButtons)?.elements?.[0]?.value;
    expect(decodeApprovalValue(value)).toBeDefined();
    const deploys = () => stack.sims.deploy.requests.filter((r) => r.url.includes("with-configuration"));
    expect(deploys()).toHaveLength(0);
    const click = stack.fx.blockActions(
      {
        type: "button" as const,
        action_id: ACTION.approve,
        block_id: BLOCK.approvalButtons,
        text: { type: "plain_text" as const, text: "Approve" },
        value: value ?? "",
        action_ts: "1700000000.000001",
      },
      { user: "U0BOB", channel: OPS },
    );
    expect((await stack.send.interaction(click)).status).toBe(200);
    const deployed = await until(() => deploys()[0], "the deploy call");
    expect(deployed.body).toContain(SECRET);
    await untilAsync(async () => {
      const rows = await store.audit.query({ operationId: "task:deploy-config", limit: 50 });
      return rows.some((r) => r.kind === "execution") ? true : undefined;
    }, "the execution's audit row");

    // The audit rows keep the digest.
    const rows = await store.audit.query({ operationId: "task:deploy-config", limit: 50 });
    expect(rows.map((r) => r.kind)).toEqual(
      expect.arrayContaining(["command", "approval.requested", "approval.approved", "execution"]),
    );
    for (const row of rows) {
      expect(JSON.stringify(row.args), row.kind).toMatch(
        /"configuration":\[?"‹redacted sha256:[0-9a-f]{12}›"/,
      );
      expect(JSON.stringify(row)).not.toContain(SECRET);
    }
    // Both requests of the same value and the run of the first carry one digest.
    expect(rows.filter((r) => JSON.stringify(r.args).includes(digest)).length).toBeGreaterThanOrEqual(6);

    // The requests show the digest; the real value is kept apart only while a request may still run.
    const requests = await store.approvals.listByRequester("U0ALICE", 10);
    expect(requests).toHaveLength(3);
    for (const request of requests) expect(JSON.stringify(request.rawArgs)).not.toContain(SECRET);
    const ran = requests.find((r) => r.status === "succeeded");
    expect(ran && "withheldArgs" in ran).toBe(false);
    const waiting = requests.filter((r) => r.status === "pending");
    expect(waiting.map((r) => JSON.stringify(r.withheldArgs))).toEqual([
      expect.stringContaining("another-one"),
      expect.stringContaining(SECRET),
    ]);

    // The export an admin copies.
    const exported = stack.fx.command({
      text: "audit --operation task:deploy-config --format json --limit 2",
      user_id: "U0BOB",
      channel_id: OPS,
    });
    expect((await stack.send.command(exported)).status).toBe(200);
    const reply = JSON.stringify(await stack.responseFor(exported.response_url));
    expect(reply).toContain("task:deploy-config");
    expect(reply).toContain(digest);
    expect(reply).not.toContain(SECRET);
    expect(JSON.stringify(stack.slackApi.files())).not.toContain(SECRET);

    // The log: the audit lines carry the digest, no line the value.
    expect(lines.some((l) => l.includes('"audit"') && l.includes(digest))).toBe(true);
    expect(lines.filter((l) => l.includes(SECRET))).toEqual([]);
  });
});

async function untilAsync<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 250; i++) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}
