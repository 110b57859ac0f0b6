import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadSimSettings, type RunningSimulators, startSimulators } from "../../devkit/sim/index.js";
import { type SlackStandIn, startSlackStandIn } from "../../devkit/slack-standin/index.js";
import type { StoredMessage } from "../../devkit/slack-standin/types.js";
import { createSlackFixtures, createSlackSender } from "../../devkit/testing/index.js";
import { RESTARTING_TEXT } from "../../src/app/lifecycle/draining.js";
import { decodeApprovalValue } from "../../src/blocks/approval.js";
import { ACTION, BLOCK } from "../../src/blocks/ids.js";
import { openStore, type Store } from "../../src/store/index.js";
import { simulatorBackendsEnv } from "../helpers/app-stack.js";
import { TEST_DATABASE_URL } from "../store/helpers.js";
import { type BotProcess, freePort, killAllBots, startBotProcess, until } from "./bot-process.js";

// Two bot processes on one store, as production runs them (src/main.ts): a rolling restart (the new one
// started, then the old one sent SIGTERM) and a replica killed while a survivor runs on. On one SQLite
// file and on one PostgreSQL schema. Each process owns what it has in flight; the other takes over only
// once the owner has stopped or its heartbeat is stale.

const SIGNING_SECRET = "rolling-test-signing-secret";
// Short for a test, yet three heartbeats long: a loaded machine may delay one by a second or more, and a
// live process judged gone would have its running request ended under it.
const STALE_MS = 3_000;
const USERS = [
  { id: "U0ALICE", name: "alice", email: "alice@example.com" },
  { id: "U0BOB", name: "bob", email: "bob@example.com" },
];
const POLICY = `
roles:
  viewer: ["*:list", "*:get", "*:state", "help", "whoami"]
  operator: ["job:delete"]
grants:
  - { role: viewer, to: { everyone: true } }
  - { role: operator, to: { users: [U0ALICE] } }
approvals:
  - name: job deletes
    match: ["job:delete"]
    approvers: { users: [U0BOB] }
    required: 1
`;
const NOTICE = "opsbot restarted while it was handling";

let sims: RunningSimulators;
let slackApi: SlackStandIn;
let fx: ReturnType<typeof createSlackFixtures>;
let baseEnv: Record<string, string>;
let channelSeq = 0;

beforeAll(async () => {
  const settings = loadSimSettings({});
  sims = await startSimulators(settings);
  slackApi = await startSlackStandIn({ users: USERS });
  fx = createSlackFixtures(slackApi);
  baseEnv = {
    SLACK_BOT_TOKEN: slackApi.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slackApi.url,
    DEPLOY_API_URL: sims.deploy.url,
    ...simulatorBackendsEnv(sims, settings),
    LOG_LEVEL: "warn",
    OPSBOT_HEARTBEAT_STALE_MS: String(STALE_MS),
    OPSBOT_SHUTDOWN_GRACE_MS: "20000",
  };
});
afterAll(async () => {
  await killAllBots();
  await slackApi?.close();
  await sims?.close();
});

const text = (value: unknown) => JSON.stringify(value);

function newChannel(): string {
  channelSeq += 1;
  return `C0ROL${String(channelSeq).padStart(4, "0")}`;
}

const sender = (bot: BotProcess) => createSlackSender({ url: bot.url, signingSecret: SIGNING_SECRET });

function responses(url: string) {
  return slackApi.responses().filter((r) => r.url === url);
}

async function makeJob(name: string): Promise<void> {
  const res = await fetch(`${sims.deploy.url}/v1/task/deployas/analytics/job_python/${name}`, {
    headers: { identity: "seed@example.com" },
  });
  expect(res.status).toBe(200);
}

function deletesOf(name: string) {
  return sims.deploy.requests.filter((r) => r.url === `/v1/delete/job/analytics/${name}`);
}

function approvalIn(channel: string): { message: StoredMessage; value: string } | undefined {
  const message = slackApi.messages(channel).find((m) => text(m.blocks).includes("Approval"));
  if (!message) return undefined;
  const blocks = (message.blocks ?? []) as { block_id?: string; elements?: { value?: string }[] }[];
  const value = blocks.find((b) => b.block_id === BLOCK.approvalButtons)?.elements?.[0]?.value;
  return { message, value: value ?? "" };
}

/** Asks `bot` for a job delete (bob approves it) and returns the request with its Approve click. */
async function requestDelete(bot: BotProcess, name: string, channel: string) {
  await makeJob(name);
  const command = fx.command({
    text: `job delete analytics ${name}`,
    user_id: "U0ALICE",
    channel_id: channel,
  });
  expect((await sender(bot).command(command)).status).toBe(200);
  const request = await until(() => {
    const found = approvalIn(channel);
    return found?.value ? found : undefined;
  }, "the approval request with its buttons");
  const requestId = decodeApprovalValue(request.value)?.requestId;
  if (!requestId) throw new Error("the Approve button carries no request");
  const click = fx.blockActions(
    {
      type: "button" as const,
      action_id: ACTION.approve,
      block_id: BLOCK.approvalButtons,
      text: { type: "plain_text" as const, text: "Approve" },
      value: request.value,
      action_ts: `${Math.floor(Date.now() / 1000)}.000100`,
    },
    { user: "U0BOB", channel, message: { ts: request.message.ts } },
  );
  return { requestId, click };
}

/** Calls `hook` the moment the Deploy simulator receives a request for `path` (before it answers). */
function onArrival(path: string, hook: () => void): () => void {
  const take = sims.deploy.faults.take.bind(sims.deploy.faults);
  let arrived = false;
  sims.deploy.faults.take = (method, p) => {
    if (!arrived && p === path) {
      arrived = true;
      hook();
    }
    return take(method, p);
  };
  return () => {
    sims.deploy.faults.take = take;
  };
}

/**
 * A pass-through in front of the Deploy simulator that holds the requests for `held` until released:
 * the approved call stays at the backend for exactly as long as the test needs, however slow the
 * machine is at starting processes.
 */
async function gate(held: string) {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let arrived = false;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.url?.split("?")[0] === held) {
      arrived = true;
      await released;
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(
        (entry): entry is [string, string] => typeof entry[1] === "string" && entry[0] !== "host",
      ),
    );
    const answer = await fetch(`${sims.deploy.url}${req.url ?? "/"}`, {
      method: req.method ?? "GET",
      headers,
      ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
    });
    res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "text/plain" });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("no address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    get arrived() {
      return arrived;
    },
    release,
    close: () => {
      release();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

interface Sent {
  readonly responseUrl: string;
  readonly status: number;
  readonly ack: string;
}

/** A command as Slack sends it, to `bot`, with what Slack got back. */
async function send(bot: BotProcess, commandText: string): Promise<Sent> {
  const command = fx.command({ text: commandText, user_id: "U0ALICE", channel_id: newChannel() });
  const answer = await sender(bot).command(command);
  return { responseUrl: command.response_url, status: answer.status, ack: answer.text };
}

describe.each(["sqlite", "postgres"] as const)("two processes on one %s store", (kind) => {
  let dir: string;
  let schema: string;
  let env: Record<string, string>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "opsbot-rolling-"));
    writeFileSync(join(dir, "opsbot.yml"), POLICY);
    schema = `opsbot_rolling_${randomBytes(6).toString("hex")}`;
    env = {
      ...baseEnv,
      OPSBOT_CONFIG: join(dir, "opsbot.yml"),
      ...(kind === "sqlite"
        ? { OPSBOT_DB: join(dir, "opsbot.db") }
        : { OPSBOT_DATABASE_URL: TEST_DATABASE_URL, OPSBOT_DATABASE_SCHEMA: schema }),
    };
    sims.deploy.faults.clear();
  });
  afterEach(async () => {
    await killAllBots();
    sims.deploy.faults.clear();
    rmSync(dir, { recursive: true, force: true });
    if (kind === "postgres") {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  });

  const boot = async () => startBotProcess({ port: await freePort(), env, readyTimeoutMs: 60_000 });

  async function withStore<T>(read: (store: Store) => Promise<T>): Promise<T> {
    const store = await openStore(
      kind === "sqlite" ? join(dir, "opsbot.db") : TEST_DATABASE_URL,
      kind === "sqlite" ? {} : { schema },
    );
    try {
      return await read(store);
    } finally {
      await store.close();
    }
  }
  const statusOf = (id: string) => withStore(async (store) => (await store.approvals.get(id))?.status);

  it("a rolling restart during an executing approval and a burst of commands: no false failure or notice, nothing twice, nothing lost", async () => {
    const held = await gate(`/v1/delete/job/analytics/roll-exec-${kind}`);
    // The old process waits for the held delete however long the new one takes to start.
    env = {
      ...env,
      DEPLOY_API_URL: held.url,
      OPSBOT_HTTP_HEADERS_TIMEOUT_MS: "600000",
      OPSBOT_HTTP_BODY_TIMEOUT_MS: "600000",
    };
    try {
      const old = await boot();
      const channel = newChannel();
      const { requestId, click } = await requestDelete(old, `roll-exec-${kind}`, channel);
      // Some reads take 1.5 s at the Deploy API: in flight through the roll.
      sims.deploy.setFaults([{ kind: "latency", latencyMs: 1_500, path: "^/v1/list/tasks/analytics$" }]);
      const clicked = sender(old).interaction(click);
      await until(() => (held.arrived ? true : undefined), "the approved delete to reach the backend");
      expect(await statusOf(requestId)).toBe("executing");
      const burstToOld = Array.from({ length: 8 }, (_, i) =>
        send(old, i % 2 ? "namespace list" : "task list --namespace analytics"),
      );

      // The new process starts, and sweeps a few times, while the old one runs the delete: it leaves it.
      const fresh = await boot();
      await new Promise((resolve) => setTimeout(resolve, 2 * STALE_MS));
      expect(await statusOf(requestId)).toBe("executing");

      const stopped = old.terminate();
      const burstToNew = Array.from({ length: 8 }, (_, i) =>
        send(fresh, i % 2 ? "namespace list" : "task list --namespace analytics"),
      );
      // The old one drains: it waits for the delete, which the backend now answers.
      await new Promise((resolve) => setTimeout(resolve, 500));
      held.release();
      const sent = await Promise.all([...burstToOld, ...burstToNew]);
      expect((await clicked).status).toBe(200);
      expect(await stopped).toBe(0);

      // The old process finished the delete it was running and said so; the new one did not touch it.
      expect(await statusOf(requestId)).toBe("succeeded");
      expect(deletesOf(`roll-exec-${kind}`)).toHaveLength(1);
      await until(
        () => (text(approvalIn(channel)?.message).includes("and done") ? true : undefined),
        "the request message to say it is done",
      );

      // Every command got one answer: its result, or (sent to the old one while it drained) the
      // "restarting" acknowledgement and nothing else. No restart notice anywhere.
      const ran = sent.filter((s) => !s.ack.includes(RESTARTING_TEXT));
      expect(ran.length).toBeGreaterThanOrEqual(8);
      for (const s of sent) expect(s.status).toBe(200);
      await until(
        () => (ran.every((s) => responses(s.responseUrl).length > 0) ? true : undefined),
        "a result for every command that ran",
        20_000,
      );
      // Past the stale limit and a few sweeps of the new process: still nothing more.
      await new Promise((resolve) => setTimeout(resolve, 2 * STALE_MS));
      for (const s of sent) {
        const got = responses(s.responseUrl);
        expect(got.filter((r) => text(r.body).includes(NOTICE))).toEqual([]);
        expect(got).toHaveLength(s.ack.includes(RESTARTING_TEXT) ? 0 : 1);
      }
      expect(await statusOf(requestId)).toBe("succeeded");
      expect(text(approvalIn(channel)?.message)).not.toContain("unknown");
      expect(await withStore((store) => store.intake.unsettled())).toEqual([]);
      const processes = await withStore((store) => store.processes.list(STALE_MS));
      expect(processes.map((p) => p.live)).toEqual([false, true]);
      expect(processes[0]?.stoppedAt).toBeTypeOf("number");
    } finally {
      await held.close();
    }
  }, 180_000);

  it("kill -9 of the owner mid-execution: the survivor ends it as failed-unknown once, never runs it again, and answers its command once", async () => {
    const owner = await boot();
    const survivor = await boot();
    const channel = newChannel();
    const { requestId, click } = await requestDelete(owner, `roll-kill-${kind}`, channel);
    sims.deploy.setFaults([{ kind: "latency", latencyMs: 4_000, path: "^/v1/list/tasks/analytics$" }]);
    // A read in flight at the owner when it dies: the survivor tells its person, once.
    const slow = await send(owner, "task list --namespace analytics");
    expect(slow.status).toBe(200);
    const restore = onArrival(`/v1/delete/job/analytics/roll-kill-${kind}`, () =>
      process.kill(owner.pid, "SIGKILL"),
    );
    try {
      await sender(owner)
        .interaction(click)
        .catch(() => undefined);
      await until(() => (owner.running ? undefined : true), "the owner to be killed");
    } finally {
      restore();
    }
    await until(
      () => (deletesOf(`roll-kill-${kind}`).length === 1 ? true : undefined),
      "the delete to be done",
    );

    await until(
      async () => ((await statusOf(requestId)) === "failed" ? true : undefined),
      "the survivor to end the cut-off request",
      30_000,
    );
    await until(
      () => (text(approvalIn(channel)?.message).includes("unknown") ? true : undefined),
      "the request message to say the outcome is unknown",
    );
    await until(
      () => (responses(slow.responseUrl).length > 0 ? true : undefined),
      "the notice for the command cut off",
      30_000,
    );
    // A few more sweeps: nothing is ended, told or run twice.
    await new Promise((resolve) => setTimeout(resolve, 2 * STALE_MS));
    expect(survivor.running).toBe(true);
    expect(deletesOf(`roll-kill-${kind}`)).toHaveLength(1);
    const notices = responses(slow.responseUrl);
    expect(notices).toHaveLength(1);
    expect(text(notices[0]?.body)).toContain(NOTICE);
    const audit = await withStore((store) => store.audit.query({ limit: 200 }));
    expect(
      audit.filter((e) => e.kind === "execution" && e.channelId === channel).map((e) => e.outcome),
    ).toEqual(["unknown"]);
    const request = await withStore((store) => store.approvals.get(requestId));
    expect(request?.outcome?.summary).toContain("whether it took effect is unknown");
  }, 180_000);
});
