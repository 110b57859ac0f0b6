import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startSlackStandIn } from "../../../devkit/slack-standin/index.js";
import { createApiClients } from "../../../src/api/index.js";
import { createBot } from "../../../src/app/bot.js";
import { loadConfig } from "../../../src/app/config.js";
import { RESTARTING_TEXT } from "../../../src/app/lifecycle/draining.js";
import { ACTION, BLOCK } from "../../../src/blocks/ids.js";
import { createCatalogue } from "../../../src/catalogue/index.js";
import { openSqliteStore } from "../../../src/store/index.js";
import { type AppStack, startAppStack } from "../../helpers/app-stack.js";

// The graceful stop, over the bot's real HTTP receiver: what is being handled finishes and is answered,
// what arrives meanwhile is told the bot is restarting, the Slack queue is flushed, the store closed.

const catalogue = createCatalogue();
const CHANNEL = "C0OPS0001";
let stack: AppStack | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const text = (value: unknown) => JSON.stringify(value);

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 250; i++) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("graceful stop", () => {
  it("finishes the command in flight, tells newcomers it is restarting, and flushes the Slack queue", async () => {
    const s = await startAppStack({
      catalogue,
      users: [
        { id: "U0ALICE", name: "alice", email: "alice@example.com" },
        { id: "U0BOB", name: "bob", email: "bob@example.com" },
      ],
    });
    stack = s;
    const port = s.port;
    // The Deploy API is slow to list and the follow-up's first Slack post is slow to land, so both are
    // still under way when the stop begins.
    s.sims.deploy.setFaults([{ kind: "latency", latencyMs: 700, path: "^/v1/list/namespaces" }]);
    const slowList = s.fx.command({ text: "namespace list", user_id: "U0ALICE" });
    const deploy = s.fx.command({
      text: "task deploy analytics job_python --name shutdown-job --namespace analytics",
      user_id: "U0ALICE",
      channel_id: CHANNEL,
    });
    s.slackApi.inject("chat.postMessage", { kind: "delay", ms: 600 });
    expect((await s.send.command(slowList)).status).toBe(200);
    expect((await s.send.command(deploy)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(s.slackApi.responses().some((r) => r.url === slowList.response_url)).toBe(false);

    const stopped = s.bot.stop();
    let stopDone = false;
    void stopped.then(() => {
      stopDone = true;
    });

    const readyz = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(readyz.status).toBe(503);
    const late = s.fx.command({ text: "namespace list", user_id: "U0BOB" });
    const lateAck = await s.send.command(late);
    expect(lateAck.status).toBe(200);
    expect(await lateAck.json()).toEqual({ response_type: "ephemeral", text: RESTARTING_TEXT });
    const click = s.fx.blockActions(
      {
        type: "button" as const,
        action_id: ACTION.followUpRefresh,
        block_id: BLOCK.followUpButtons,
        text: { type: "plain_text" as const, text: "Refresh" },
        value: "x",
        action_ts: "1700000000.000001",
      },
      { user: "U0BOB", channel: CHANNEL },
    );
    expect((await s.send.interaction(click)).status).toBe(200);
    const [toldClicker] = await s.responsesFor(click.response_url, 1);
    expect(toldClicker).toMatchObject({ response_type: "ephemeral", text: RESTARTING_TEXT });

    await stopped;
    expect(stopDone).toBe(true);
    // The commands that were in flight were answered before the stop finished...
    const answered = s.slackApi.responses().find((r) => r.url === slowList.response_url);
    expect(text(answered?.body)).toContain("analytics");
    expect(text(s.slackApi.responses().find((r) => r.url === deploy.response_url)?.body)).toContain(
      "Task deployed",
    );
    // ...and the follow-up's parent message, queued behind a slow Slack, went out before it closed.
    expect(s.slackApi.messages(CHANNEL).some((m) => text(m).includes("analytics/job_python"))).toBe(true);
    // Nothing ran for the command that arrived while draining.
    const lists = s.sims.deploy.requests.filter((r) => r.url.startsWith("/v1/list/namespaces"));
    expect(lists).toHaveLength(1);
    // The receiver is closed.
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it("stops within the grace period when Slack never takes the queued message", async () => {
    const s = await startAppStack({
      catalogue,
      users: [{ id: "U0ALICE", name: "alice", email: "alice@example.com" }],
    });
    stack = s;
    s.slackApi.inject("chat.postMessage", { kind: "rate_limited", retryAfter: 30 }, 100);
    const deploy = s.fx.command({
      text: "task deploy analytics job_python --name stuck-job --namespace analytics",
      channel_id: CHANNEL,
    });
    expect((await s.send.command(deploy)).status).toBe(200);
    await until(
      () => s.slackApi.callsTo("chat.postMessage").find((c) => c.status === 429),
      "the rate-limited post",
    );
    const started = Date.now();
    await s.bot.stop({ graceMs: 800 });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("closes the store it opened", async () => {
    const dir = mkdtempSync(join(tmpdir(), "opsbot-shutdown-"));
    const slackApi = await startSlackStandIn({ users: [] });
    try {
      const config = loadConfig({
        SLACK_BOT_TOKEN: slackApi.token,
        SLACK_SIGNING_SECRET: "shutdown-test-secret",
        SLACK_API_URL: slackApi.url,
        OPSBOT_DB: join(dir, "opsbot.db"),
      });
      const api = createApiClients(config, {});
      const bot = createBot({
        config,
        api,
        catalogue,
        logger: pino({ level: "silent" }),
        botId: slackApi.identity.botId,
        botUserId: slackApi.identity.botUserId,
      });
      await bot.start(0, "127.0.0.1");
      await bot.stop();
      await bot.stop();
      await expect(bot.core.store.approvals.countPending()).rejects.toThrow(/not open/);
      await api.close();
      // The file was closed cleanly: it opens again with everything in it.
      const again = openSqliteStore({ path: join(dir, "opsbot.db") });
      expect(await again.approvals.countPending()).toBe(0);
      await again.close();
    } finally {
      await slackApi.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
