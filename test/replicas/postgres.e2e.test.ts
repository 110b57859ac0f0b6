import { rmSync } from "node:fs";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadSimSettings, type RunningSimulators, startSimulators } from "../../devkit/sim/index.js";
import { type SlackStandIn, startSlackStandIn } from "../../devkit/slack-standin/index.js";
import type { StoredMessage } from "../../devkit/slack-standin/types.js";
import { createSlackFixtures, createSlackSender, stateValue } from "../../devkit/testing/index.js";
import { ACTION, BLOCK, CALLBACK } from "../../src/blocks/ids.js";
import { type BotProcess, freePort, killAllBots, startBotProcess, until } from "../restart/bot-process.js";
import { TEST_DATABASE_URL } from "../store/helpers.js";
import { replicaEnvironment } from "./replica-env.js";

// Three bot processes, as production runs them (src/main.ts), on one PostgreSQL database: Slack's
// requests spread over them round robin, as a load balancer in front of the replicas spreads them.

const SIGNING_SECRET = "replicas-test-signing-secret";
const USERS = [
  { id: "U0ALICE", name: "alice", email: "alice@example.com" },
  { id: "U0BOB", name: "bob", email: "bob@example.com" },
];
const POLICY = `
roles:
  viewer: ["*:list", "*:get", "*:state", "help", "whoami"]
  operator: ["task:deploy", "job:delete"]
grants:
  - { role: viewer, to: { everyone: true } }
  - { role: operator, to: { users: [U0ALICE, U0BOB] } }
approvals:
  - name: job deletes
    match: ["job:delete"]
    approvers: { users: [U0BOB] }
    required: 1
`;

let sims: RunningSimulators;
let slackApi: SlackStandIn;
let fx: ReturnType<typeof createSlackFixtures>;
let dir: string;
let schema: string;
let bots: BotProcess[] = [];
let turn = 0;

beforeAll(async () => {
  const settings = loadSimSettings({});
  sims = await startSimulators(settings);
  slackApi = await startSlackStandIn({ users: USERS });
  fx = createSlackFixtures(slackApi);
  const deployment = replicaEnvironment({
    name: "replicas",
    policy: POLICY,
    sims,
    settings,
    slack: slackApi,
    signingSecret: SIGNING_SECRET,
  });
  ({ dir, schema } = deployment);
  const env = deployment.env;
  // Started together: the migrations run once, under the database's advisory lock.
  bots = await Promise.all(
    [0, 1, 2].map(async () => startBotProcess({ port: await freePort(), env, readyTimeoutMs: 30_000 })),
  );
}, 60_000);

afterAll(async () => {
  await killAllBots();
  await slackApi?.close();
  await sims?.close();
  rmSync(dir, { recursive: true, force: true });
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

afterEach(() => {
  sims.deploy.faults.clear();
});

/** The next replica, round robin. */
function next() {
  const bot = bots[turn++ % bots.length];
  if (!bot) throw new Error("no bot");
  return createSlackSender({ url: bot.url, signingSecret: SIGNING_SECRET });
}

const text = (value: unknown) => JSON.stringify(value);

async function responsesTo(url: string, count: number) {
  return until(() => {
    const found = slackApi.responses().filter((r) => r.url === url);
    return found.length >= count ? found.map((r) => r.body) : undefined;
  }, `${count} response(s) to ${url}`);
}

async function makeJob(name: string): Promise<void> {
  const res = await fetch(`${sims.deploy.url}/v1/task/deployas/analytics/job_python/${name}`, {
    headers: { identity: "seed@example.com" },
  });
  expect(res.status).toBe(200);
}

function approvalIn(channel: string): { message: StoredMessage; value: string } | undefined {
  const message = slackApi.messages(channel).find((m) => text(m.blocks).includes("Approval"));
  const blocks = (message?.blocks ?? []) as { block_id?: string; elements?: { value?: string }[] }[];
  const value = blocks.find((b) => b.block_id === BLOCK.approvalButtons)?.elements?.[0]?.value;
  return message && value ? { message, value } : undefined;
}

describe("starting on PostgreSQL", () => {
  it("a database that refuses the connection stops the start with one clear line, never the URL", async () => {
    const closed = await freePort();
    const start = startBotProcess({
      port: await freePort(),
      env: {
        SLACK_BOT_TOKEN: slackApi.token,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slackApi.url,
        OPSBOT_DATABASE_URL: `postgres://opsbot:pw-never-shown@127.0.0.1:${closed}/opsbot`,
      },
    });
    const error = await start.then(
      () => new Error("it started"),
      (failure: unknown) => failure as Error,
    );
    expect(error.message).toContain("exited before it was ready");
    expect(error.message).toContain(
      "opsbot cannot start: the PostgreSQL store (OPSBOT_DATABASE_URL): the server refused the connection (ECONNREFUSED)",
    );
    expect(error.message).not.toContain("pw-never-shown");
  });
});

describe("three replicas on one PostgreSQL database", () => {
  it("migrated the schema once, whichever replica came first", async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT version, count(*)::int AS n FROM ${schema}.schema_migrations GROUP BY version ORDER BY version`,
      );
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((row: { n: number }) => row.n === 1)).toBe(true);
    } finally {
      await client.end();
    }
  });

  it("answers commands whichever replica gets them", async () => {
    const commands = Array.from({ length: 6 }, (_, i) =>
      fx.command({ text: "namespace list", user_id: "U0ALICE", channel_id: `C0REPL00${i}` }),
    );
    for (const command of commands) expect((await next().command(command)).status).toBe(200);
    for (const command of commands) {
      const [reply] = await responsesTo(command.response_url, 1);
      expect(text(reply)).toContain("analytics");
    }
  });

  it("an approval asked on one replica is approved on another and runs exactly once, even with 50 clicks", async () => {
    const channel = "C0REPLAPR";
    await makeJob("repl-approve");
    const command = fx.command({
      text: "job delete analytics repl-approve",
      user_id: "U0ALICE",
      channel_id: channel,
    });
    expect((await next().command(command)).status).toBe(200);
    expect(text((await responsesTo(command.response_url, 1))[0])).toContain("needs 1 approval");
    const request = await until(() => approvalIn(channel), "the approval request with its buttons");
    const clicks = Array.from({ length: 50 }, () =>
      fx.blockActions(
        {
          type: "button" as const,
          action_id: ACTION.approve,
          block_id: BLOCK.approvalButtons,
          text: { type: "plain_text" as const, text: "Approve" },
          value: request.value,
          action_ts: `${Math.floor(Date.now() / 1000)}.000100`,
        },
        { user: "U0BOB", channel, message: { ts: request.message.ts } },
      ),
    );
    const answers = await Promise.all(clicks.map((click) => next().interaction(click)));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    await until(
      () =>
        text(approvalIn(channel)?.message ?? slackApi.messages(channel)).includes("and done")
          ? true
          : undefined,
      "the request to be done",
      20_000,
    );
    expect(
      sims.deploy.requests.filter((r) => r.url === "/v1/delete/job/analytics/repl-approve"),
    ).toHaveLength(1);
  }, 40_000);

  it("a form opened through one replica is submitted to another, and its answer goes to the command", async () => {
    await makeJob("repl-form");
    const channel = "C0REPLFRM";
    const command = fx.command({ text: "job delete analytics", user_id: "U0ALICE", channel_id: channel });
    const openedBefore = slackApi.callsTo("views.open").length;
    expect((await next().command(command)).status).toBe(200);
    await until(
      () => (slackApi.callsTo("views.open").length > openedBefore ? true : undefined),
      "the form to open",
    );
    const opened = slackApi.callsTo("views.open").at(-1)?.args.view as { private_metadata: string };
    const submission = fx.viewSubmission(
      fx.view({
        callbackId: CALLBACK.operationModal,
        privateMetadata: opened.private_metadata,
        values: {
          "arg:namespace": {
            "source:namespaces": {
              type: "external_select",
              selected_option: { text: { type: "plain_text", text: "analytics" }, value: "analytics" },
            },
          },
          "arg:name": { value: stateValue.text("repl-form") },
        },
      }),
      { user: "U0ALICE" },
    );
    const answer = await next().interaction(submission);
    expect(answer.status).toBe(200);
    expect(answer.text).toBe("");
    // The rule asks bob's approval: the note goes to the command's response URL, whichever replica answered.
    expect(text((await responsesTo(command.response_url, 1))[0])).toContain("needs 1 approval");
  });
});
