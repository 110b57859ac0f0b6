import { type ChildProcess, execFileSync, fork } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BackendsReady, BotChildResult, BotChildSetup } from "../followups-bot-child.js";
import { judged, type Row, type Suite } from "../report.js";

/**
 * 1,000 deploys followed at once, all in one channel. Slack's documented limits are enforced by the
 * stand-in (about one chat.postMessage a second per channel, Tier 3 for chat.update), the Deploy
 * simulator moves each task through pending and running to done over two simulated minutes, and
 * simulated time runs `speed` times faster than real time for the simulator, the stand-in, the Slack
 * queue and the follow-ups alike, so that an hour of Slack pacing takes a minute or two.
 */

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
      const root = fileURLToPath(new URL("../..", import.meta.url));
      const backends = fork(fileURLToPath(new URL("../followups-child.ts", import.meta.url)), [], {
        cwd: root,
        execArgv: ["--import", "tsx"],
        env: { ...process.env, BENCH_SPEED: String(speed), BENCH_SETTLE_MS: String(settleMs) },
        stdio: ["ignore", "ignore", "inherit", "ipc"],
      });
      let bot: ChildProcess | undefined;
      const rows: Row[] = [];
      try {
        const ready = await nextMessage<BackendsReady>(backends, "the backends");
        const setup: BotChildSetup = { ...ready, count, speed, pollsPerSecond: budget };
        log(
          `${name}: deploying and following ${count} tasks at ${speed}x simulated time (the bot in its own process)`,
        );
        bot = fork(compileBotChild(root, log), [], {
          cwd: root,
          execArgv: [],
          env: { ...process.env, BENCH_BOT_SETUP: JSON.stringify(setup) },
          stdio: ["ignore", "ignore", "inherit", "ipc"],
        });
        const result = await nextMessage<BotChildResult | { type: "error"; message: string }>(bot, "the bot");
        if (result.type === "error") throw new Error(`the bot failed: ${result.message}`);
        log(
          `${name}: bot RSS ${result.baseRssMb.toFixed(0)} MB before following, ${result.endRssMb.toFixed(0)} MB at the end, ` +
            `heap used ${result.heapUsedMb.toFixed(0)} MB of ${result.heapTotalMb.toFixed(0)} MB`,
        );
        backends.send("stats");
        const stats = await nextMessage<ChildStats>(backends, "the backends' stats");
        // The simulator stamps requests in real time: back to simulated seconds.
        const perSecond = new Map<number, number>();
        for (const at of stats.polls) {
          const second = Math.floor(((at - result.realEpoch) * speed) / 1000);
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
          `${name}: ${result.followed} followed, ${result.terminalPosted} final states posted, ${stats.polls.length} polls, ` +
            `${stats.rejected} rejected by Slack, ${result.simulatedMin.toFixed(1)} simulated min in ${result.realSeconds.toFixed(1)} s`,
        );
        rows.push(
          judged({
            suite: name,
            metric: "requests rejected by Slack",
            value: stats.rejected,
            unit: "",
            target: { of: "value", op: "<=", bound: 0 },
          }),
          judged({
            suite: name,
            metric: "final states posted",
            value: result.terminalPosted,
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
            metric: "bot peak RSS",
            value: result.peakRssMb,
            unit: "MB",
            target: { of: "value", op: "<=", bound: options.maxRssMb ?? 200 },
          }),
          judged({ suite: name, metric: "simulated time", value: result.simulatedMin, unit: "min" }),
        );
      } finally {
        if (bot?.connected) bot.disconnect();
        if (backends.connected) backends.disconnect();
      }
      return rows;
    },
  };
}

/** The child's next IPC message, or an error if it exits first. */
function nextMessage<T>(child: ChildProcess, who: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${who} exited with code ${code}`));
    child.once("exit", onExit);
    child.once("message", (m) => {
      child.off("exit", onExit);
      resolve(m as T);
    });
  });
}

/**
 * The bot is measured as `npm start` runs it: compiled to JavaScript and run by plain Node (tsx alone
 * adds some 30 MB of RSS). Compiles the bot child and src into node_modules/.cache, where Node still
 * finds the project's packages.
 */
function compileBotChild(root: string, log: (line: string) => void): string {
  log("follow-ups: compiling the bot (tsconfig.bench.json)");
  execFileSync(
    process.execPath,
    [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.bench.json"],
    {
      cwd: root,
      stdio: "inherit",
    },
  );
  return join(root, "node_modules/.cache/opsbot-bench/bench/followups-bot-child.js");
}
