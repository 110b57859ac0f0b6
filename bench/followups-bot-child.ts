import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { identityFromEmail } from "../src/api/identity.js";
import { createApiClients } from "../src/api/index.js";
import { createBot } from "../src/app/bot.js";
import { loadConfig } from "../src/app/config.js";
import { createCatalogue } from "../src/catalogue/index.js";
import { DEFAULT_POLICY } from "../src/core/policy/policy.js";
import { openSqliteStore } from "../src/store/index.js";

/**
 * The follow-up benchmark's bot in a process of its own, compiled and run by Node as `npm start` runs it, so
 * that its peak RSS is the bot's and not the benchmark harness's. It deploys the tasks BENCH_BOT_SETUP asks for, follows
 * them all in one channel until every final state is in Slack, and reports what it measured.
 */
/** What the backends child reports when it is up. */
export interface BackendsReady {
  readonly deployUrl: string;
  readonly slackUrl: string;
  readonly slackToken: string;
  readonly botId: string;
  readonly botUserId: string;
  readonly realNow: number;
  readonly simNow: number;
}

export interface BotChildSetup extends BackendsReady {
  readonly count: number;
  readonly speed: number;
  readonly pollsPerSecond: number;
}

export interface BotChildResult {
  readonly type: "done";
  readonly baseRssMb: number;
  readonly peakRssMb: number;
  readonly endRssMb: number;
  readonly heapUsedMb: number;
  readonly heapTotalMb: number;
  readonly followed: number;
  readonly terminalPosted: number;
  readonly simulatedMin: number;
  readonly realSeconds: number;
  /** Real time when the deploys began (the polls' timestamps are real). */
  readonly realEpoch: number;
}

const setup = JSON.parse(process.env.BENCH_BOT_SETUP ?? "{}") as BotChildSetup;
const { count, speed } = setup;
const mb = (bytes: number) => bytes / 2 ** 20;
// The backends' simulated clock, read here a second behind: the queue then never runs ahead of the
// stand-in's rate windows because of the time a message takes between processes.
const clock = { now: () => setup.simNow + (Date.now() - setup.realNow) * speed - 1_000 };
const channel = "C0BENCHFU";
// On disk, as in production: an in-memory database would count every row in the bot's RSS.
const storeDir = mkdtempSync(join(tmpdir(), "opsbot-bench-followups-"));
const store = openSqliteStore({ path: join(storeDir, "opsbot.db") });
const config = loadConfig({
  DEPLOY_API_URL: setup.deployUrl,
  SLACK_BOT_TOKEN: setup.slackToken,
  SLACK_SIGNING_SECRET: "bench",
  SLACK_API_URL: setup.slackUrl,
  LOG_LEVEL: "silent",
});
const api = createApiClients(config, {});
const bot = createBot({
  config,
  api,
  catalogue: createCatalogue(),
  logger: pino({ level: "silent" }),
  botId: setup.botId,
  botUserId: setup.botUserId,
  policy: DEFAULT_POLICY,
  store,
  now: () => clock.now(),
  slackClock: { now: () => clock.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms / speed)) },
  // One channel takes about one message a second, so 1,000 follow-ups need over an hour of Slack
  // time to report: the timeout is the backend's, not Slack's, and is set well above that.
  followUpSettings: {
    tickMs: 5,
    timeoutMs: 4 * 3_600_000,
    requestsPerSecond: { deploy: setup.pollsPerSecond },
  },
  sweepEveryMs: 0,
});

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 200);
try {
  await bot.start(0, "127.0.0.1");
  const engine = bot.core.followUps;
  const operation = bot.core.catalogue.byId("task:deploy");
  if (!operation) throw new Error("no task:deploy");
  const identity = identityFromEmail("bench@example.com");
  const baseRss = process.memoryUsage().rss;
  peakRss = Math.max(peakRss, baseRss);
  const startedAt = clock.now();
  const realEpoch = Date.now();
  const realStart = performance.now();
  for (let i = 0; i < count; i++) {
    const launched = await api.deploy.deployTaskAs(
      { repository: "analytics", directory: "job_python", name: `bench-${i}` },
      { identity },
    );
    const follow = operation.follow?.(launched, { repository: "analytics", directory: "job_python" });
    if (!follow) throw new Error("the deploy answered without an ID to follow");
    // Not awaited: begin() resolves once the parent is in Slack, which the queue paces.
    void engine.begin({
      operation,
      follow,
      correlationId: `bench-${i}`,
      userId: "U0BENCH",
      channelId: channel,
    });
  }
  const deadline = performance.now() + 15 * 60_000;
  // Done when every follow-up has ended and its final state is in Slack, not merely recorded.
  for (;;) {
    await new Promise((r) => setTimeout(r, 2_000));
    const all = await store.followUps.listByRequester("U0BENCH", count + 10);
    let posted = 0;
    for (const f of all)
      if (f.status !== "active" && (await store.followUps.transitions(f.id)).at(-1)?.postedTs) posted += 1;
    if (all.length >= count && posted === all.length) break;
    if (performance.now() > deadline)
      throw new Error(`${count - posted} follow-ups unfinished after 15 minutes`);
  }
  const memory = process.memoryUsage();
  peakRss = Math.max(peakRss, memory.rss);
  await bot.stop();
  const all = await store.followUps.listByRequester("U0BENCH", count + 10);
  let terminalPosted = 0;
  for (const f of all) {
    const last = (await store.followUps.transitions(f.id)).at(-1);
    if (last?.terminal && last.postedTs) terminalPosted += 1;
  }
  const result: BotChildResult = {
    type: "done",
    baseRssMb: mb(baseRss),
    peakRssMb: mb(peakRss),
    endRssMb: mb(memory.rss),
    heapUsedMb: mb(memory.heapUsed),
    heapTotalMb: mb(memory.heapTotal),
    followed: all.length,
    terminalPosted,
    simulatedMin: (clock.now() - startedAt) / 60_000,
    realSeconds: (performance.now() - realStart) / 1000,
    realEpoch,
  };
  process.send?.(result);
} catch (error) {
  process.send?.({ type: "error", message: error instanceof Error ? error.message : String(error) });
} finally {
  clearInterval(sampler);
  await bot.stop().catch(() => undefined);
  await api.close();
  await store.close();
  rmSync(storeDir, { recursive: true, force: true });
  process.disconnect?.();
}
