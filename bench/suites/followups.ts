import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { identityFromEmail } from "../../src/api/identity.js";
import { createApiClients } from "../../src/api/index.js";
import { createBot } from "../../src/app.js";
import { DEFAULT_POLICY } from "../../src/auth/policy.js";
import { loadConfig } from "../../src/config.js";
import { createCatalogue } from "../../src/ops/index.js";
import { openSqliteStore } from "../../src/store/index.js";
import { judged, type Row, type Suite } from "../report.js";

/**
 * 1,000 deploys followed at once, all in one channel. Slack's documented limits are enforced by the
 * stand-in (about one chat.postMessage a second per channel, Tier 3 for chat.update), the Deploy
 * simulator moves each task through pending and running to done over two simulated minutes, and
 * simulated time runs `speed` times faster than real time for the simulator, the stand-in, the Slack
 * queue and the follow-ups alike, so that an hour of Slack pacing takes a minute or two.
 */

interface ChildReady {
  readonly deployUrl: string;
  readonly slackUrl: string;
  readonly slackToken: string;
  readonly botId: string;
  readonly botUserId: string;
  readonly realNow: number;
  readonly simNow: number;
}

interface ChildStats {
  readonly rejected: number;
  readonly posts: number;
  readonly updates: number;
  readonly polls: readonly number[];
}

export interface FollowUpSuiteOptions {
  readonly operations?: number;
  readonly speed?: number;
  readonly settleMs?: number;
  readonly pollsPerSecond?: number;
  readonly maxRssMb?: number;
}

export function followUpSuite(options: FollowUpSuiteOptions = {}): Suite {
  const count = options.operations ?? 1_000;
  const speed = options.speed ?? 100;
  const settleMs = options.settleMs ?? 120_000;
  const budget = options.pollsPerSecond ?? 5;
  const name = `follow-ups: ${count} deploys in one channel`;
  return {
    name,
    run: async (log) => {
      const child = fork(fileURLToPath(new URL("../followups-child.ts", import.meta.url)), [], {
        cwd: fileURLToPath(new URL("../..", import.meta.url)),
        execArgv: ["--import", "tsx"],
        env: { ...process.env, BENCH_SPEED: String(speed), BENCH_SETTLE_MS: String(settleMs) },
        stdio: ["ignore", "ignore", "inherit", "ipc"],
      });
      const ready = await new Promise<ChildReady>((resolve, reject) => {
        child.once("message", (m) => resolve(m as ChildReady));
        child.once("exit", (code) => reject(new Error(`the backends exited with code ${code}`)));
      });
      // The child's simulated clock, read here a second behind: the queue then never runs ahead of
      // the stand-in's rate windows because of the time a message takes between processes.
      const clock = { now: () => ready.simNow + (Date.now() - ready.realNow) * speed - 1_000 };
      const channel = "C0BENCHFU";
      // On disk, as in production: an in-memory database would count every row in the bot's RSS.
      const storeDir = mkdtempSync(join(tmpdir(), "opsbot-bench-followups-"));
      const store = openSqliteStore({ path: join(storeDir, "opsbot.db") });
      const config = loadConfig({
        DEPLOY_API_URL: ready.deployUrl,
        SLACK_BOT_TOKEN: ready.slackToken,
        SLACK_SIGNING_SECRET: "bench",
        SLACK_API_URL: ready.slackUrl,
        LOG_LEVEL: "silent",
      });
      const api = createApiClients(config, {});
      const bot = createBot({
        config,
        api,
        catalogue: createCatalogue(),
        logger: pino({ level: "silent" }),
        botId: ready.botId,
        botUserId: ready.botUserId,
        policy: DEFAULT_POLICY,
        store,
        now: () => clock.now(),
        slackClock: { now: () => clock.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms / speed)) },
        // One channel takes about one message a second, so 1,000 follow-ups need over an hour of Slack
        // time to report: the timeout is the backend's, not Slack's, and is set well above that.
        followUpSettings: { tickMs: 5, timeoutMs: 4 * 3_600_000, requestsPerSecond: { deploy: budget } },
        sweepEveryMs: 0,
      });
      let peakRss = 0;
      const sampler = setInterval(() => {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }, 200);
      const rows: Row[] = [];
      try {
        await bot.start(0, "127.0.0.1");
        const engine = bot.deps.followUps;
        const operation = bot.deps.catalogue.byId("task:deploy");
        if (!operation) throw new Error("no task:deploy");
        const identity = identityFromEmail("bench@example.com");
        const baseRss = process.memoryUsage().rss;
        log(`${name}: RSS before following: ${Math.round(baseRss / 2 ** 20)} MB`);
        const startedAt = clock.now();
        const realEpoch = Date.now();
        const realStart = performance.now();
        log(`${name}: deploying and following ${count} tasks at ${speed}x simulated time`);
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
            if (f.status !== "active" && (await store.followUps.transitions(f.id)).at(-1)?.postedTs)
              posted += 1;
          if (all.length >= count && posted === all.length) break;
          if (performance.now() > deadline)
            throw new Error(`${count - posted} follow-ups unfinished after 15 minutes`);
        }
        const memory = process.memoryUsage();
        log(
          `${name}: at the end: RSS ${Math.round(memory.rss / 2 ** 20)} MB, heap used ${Math.round(memory.heapUsed / 2 ** 20)} MB of ${Math.round(memory.heapTotal / 2 ** 20)} MB`,
        );
        await bot.stop();
        const simulatedMin = (clock.now() - startedAt) / 60_000;
        const all = await store.followUps.listByRequester("U0BENCH", count + 10);
        let terminalPosted = 0;
        for (const f of all) {
          const last = (await store.followUps.transitions(f.id)).at(-1);
          if (last?.terminal && last.postedTs) terminalPosted += 1;
        }
        const stats = await new Promise<ChildStats>((resolve) => {
          child.once("message", (m) => resolve(m as ChildStats));
          child.send("stats");
        });
        const rejected = stats.rejected;
        // Polls per simulated second, from the requests the simulator recorded.
        const polls = stats.polls;
        // The simulator stamps requests in real time: back to simulated seconds.
        const perSecond = new Map<number, number>();
        for (const at of polls) {
          const second = Math.floor(((at - realEpoch) * speed) / 1000);
          perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
        }
        // The budget is a rate: the busiest ten simulated seconds, averaged (the tick lets a second's
        // worth of polls go at once).
        let busiest = 0;
        for (const second of perSecond.keys()) {
          let sum = 0;
          for (let s = second; s < second + 10; s++) sum += perSecond.get(s) ?? 0;
          busiest = Math.max(busiest, sum / 10);
        }
        log(
          `${name}: ${all.length} followed, ${terminalPosted} final states posted, ${polls.length} polls, ` +
            `${rejected} rejected by Slack, ${simulatedMin.toFixed(1)} simulated min in ${((performance.now() - realStart) / 1000).toFixed(1)} s`,
        );
        rows.push(
          judged({
            suite: name,
            metric: "requests rejected by Slack",
            value: rejected,
            unit: "",
            target: { of: "value", op: "<=", bound: 0 },
          }),
          judged({
            suite: name,
            metric: "final states posted",
            value: terminalPosted,
            unit: `of ${count}`,
            target: { of: "value", op: ">=", bound: count },
          }),
          judged({
            suite: name,
            metric: "polls, busiest 10 s",
            value: busiest,
            unit: "req/s",
            target: { of: "value", op: "<=", bound: budget },
          }),
          judged({
            suite: name,
            metric: "peak RSS",
            value: peakRss / 2 ** 20,
            unit: "MB",
            target: { of: "value", op: "<=", bound: options.maxRssMb ?? 200 },
          }),
          judged({ suite: name, metric: "simulated time", value: simulatedMin, unit: "min" }),
        );
      } finally {
        clearInterval(sampler);
        await bot.stop().catch(() => undefined);
        await api.close();
        await store.close();
        rmSync(storeDir, { recursive: true, force: true });
        if (child.connected) child.disconnect();
      }
      return rows;
    },
  };
}
