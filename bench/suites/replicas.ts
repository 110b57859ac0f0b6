import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDeploySim } from "../../devkit/sim/deploy.js";
import { startSlackStandIn } from "../../devkit/slack-standin/index.js";
import { createSlackFixtures, createSlackSender } from "../../devkit/testing/index.js";
import { startFleet } from "../replicas/fleet.js";
import { checkDatabase, freshSchema } from "../replicas/postgres.js";
import { type SlackTally, tallySlack } from "../replicas/tally.js";
import { judged, type Row, type Suite } from "../report.js";

/**
 * Followed operations over one, two and three replicas on one PostgreSQL schema, each replica a real bot
 * process (src/main.ts). The deploys go through the bots as Slack sends them: signed `/ops task deploy`
 * commands, round robin over the replicas as a load balancer spreads them. One Slack stand-in with
 * Slack's rate limits, one Deploy simulator whose tasks settle 3 s after they start, both in real time.
 * Slack takes about one message a second per channel and a follow-up posts three (parent, running,
 * final), so the operations are spread over `channels` channels: 1,000 in one channel would take an hour.
 */

export interface ReplicasSuiteOptions {
  readonly operations?: number;
  readonly channels?: number;
  readonly replicas?: readonly number[];
  /** Concurrent senders of commands. */
  readonly senders?: number;
  /** The permissions file's followups.max_requests_per_second.deploy: the deployment's poll budget (shared through the database). */
  readonly pollsPerSecond?: number;
  /** How long to wait for every final state, per replica count. */
  readonly boundMs?: number;
  /** Give up waiting when no final state has come for this long. */
  readonly stallMs?: number;
  /** After the last final state: how long to go on watching for late duplicates. */
  readonly graceMs?: number;
}

const USERS = Array.from({ length: 8 }, (_, i) => {
  const id = `U0REPL${String(i).padStart(2, "0")}`;
  return { id, name: id.toLowerCase(), email: `${id.toLowerCase()}@example.com` };
});
const SIGNING_SECRET = "replicas-bench-signing-secret";
const SETTLE_MS = 3_000;

export function replicasSuite(options: ReplicasSuiteOptions = {}): Suite {
  const operations = options.operations ?? 1_000;
  const channels = options.channels ?? 50;
  const counts = options.replicas ?? [1, 2, 3];
  return {
    name: `replicas: ${operations} follow-ups on PostgreSQL`,
    run: async (log) => {
      await checkDatabase();
      const rows: Row[] = [];
      for (const replicas of counts)
        rows.push(...(await runReplicas(replicas, { ...options, operations, channels }, log)));
      return rows;
    },
  };
}

interface RunOptions extends ReplicasSuiteOptions {
  readonly operations: number;
  readonly channels: number;
}

async function runReplicas(
  replicas: number,
  options: RunOptions,
  log: (line: string) => void,
): Promise<Row[]> {
  const { operations, channels } = options;
  const budget = options.pollsPerSecond ?? 20;
  const name = `replicas: ${operations} follow-ups, ${replicas} replica${replicas === 1 ? "" : "s"}`;
  const dir = mkdtempSync(join(tmpdir(), "opsbot-bench-replicas-"));
  // Everyone may deploy without approvals; polls every second (growing by a quarter each time).
  writeFileSync(
    join(dir, "opsbot.yml"),
    `roles: { admin: ["*"] }\ngrants: [{ role: admin, to: { everyone: true } }]\n` +
      `followups: { poll_interval: 1s, max_requests_per_second: { deploy: ${budget} } }\n`,
  );
  const schema = freshSchema("opsbot_bench_replicas");
  const deploy = createDeploySim({ settleMs: SETTLE_MS });
  const deployUrl = await deploy.listen();
  const slack = await startSlackStandIn({ users: USERS, rateLimits: true });
  let fleet: Awaited<ReturnType<typeof startFleet>> | undefined;
  let collector: NodeJS.Timeout | undefined;
  try {
    fleet = await startFleet(replicas, {
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.url,
      DEPLOY_API_URL: deployUrl,
      OPSBOT_CONFIG: join(dir, "opsbot.yml"),
      OPSBOT_DATABASE_URL: schema.url,
      OPSBOT_DATABASE_SCHEMA: schema.name,
      LOG_LEVEL: "error",
    });
    const senders = fleet.bots.map((bot) =>
      createSlackSender({ url: bot.url, signingSecret: SIGNING_SECRET }),
    );
    const fx = createSlackFixtures(slack);
    log(
      `${name}: ${operations} deploys over ${channels} channels, sent round robin by ${options.senders ?? 16} senders; ` +
        `Slack rate limits on, polls every 1 s up to ${budget}/s for the deployment, tasks settle in ${SETTLE_MS / 1000} s`,
    );
    // The simulator keeps its last 1,000 requests only: the polls are collected as they come.
    const polls: number[] = [];
    const seen = new WeakSet<object>();
    const collectPolls = () => {
      for (const request of deploy.requests)
        if (!seen.has(request)) {
          seen.add(request);
          if (request.url.startsWith("/v1/task/state/")) polls.push(request.at);
        }
    };
    collector = setInterval(collectPolls, 100);
    const startedAt = Date.now();
    let next = 0;
    let refused = 0;
    const send = async () => {
      for (let i = next++; i < operations; i = next++) {
        const sender = senders[i % senders.length];
        const user = USERS[i % USERS.length];
        if (!sender || !user) throw new Error("no sender");
        const command = fx.command({
          text: `task deploy analytics job_python --name bench-${i} --namespace analytics`,
          user_id: user.id,
          channel_id: `C0REPL${String(i % channels).padStart(3, "0")}`,
        });
        const answer = await sender.command(command).catch((error: unknown) => ({
          status: 0,
          text: error instanceof Error ? error.message : String(error),
        }));
        if (answer.status !== 200) {
          refused += 1;
          if (refused === 1) log(`${name}: command ${i}: ${answer.status} ${answer.text.slice(0, 200)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: options.senders ?? 16 }, send));
    const sentSeconds = (Date.now() - startedAt) / 1000;
    log(`${name}: all commands sent in ${sentSeconds.toFixed(1)} s (${refused} not acknowledged with 200)`);

    // Until every acknowledged command's final state is in Slack; or none came for `stallMs`; or the bound.
    const expected = operations - refused;
    const deadline = startedAt + (options.boundMs ?? 10 * 60_000);
    const stallMs = options.stallMs ?? 60_000;
    let tally: SlackTally = tallySlack(slack.calls);
    let lastReport = Date.now();
    let progress = { at: Date.now(), finals: tally.finalStates };
    while (tally.finalStates < expected && Date.now() < deadline && Date.now() - progress.at < stallMs) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      tally = tallySlack(slack.calls);
      if (tally.finalStates > progress.finals) progress = { at: Date.now(), finals: tally.finalStates };
      if (Date.now() - lastReport >= 15_000) {
        lastReport = Date.now();
        log(
          `${name}: ${tally.finalStates} final states, ${tally.parents} parents, ${tally.rejected} 429s so far`,
        );
      }
    }
    // The wall time ends at the last final state that came, not at the end of a wait that gave up.
    const settledAt = progress.at;
    const wallSeconds = (settledAt - startedAt) / 1000;
    if (tally.finalStates < operations)
      log(
        `${name}: ${operations - tally.finalStates} final states missing; the last came after ${wallSeconds.toFixed(0)} s`,
      );
    // Duplicates may come after the last first copy: watch a little longer before counting.
    await new Promise((resolve) => setTimeout(resolve, options.graceMs ?? 5_000));
    tally = tallySlack(slack.calls);
    const rss = fleet.peakRssMb();
    clearInterval(collector);
    collectPolls();
    const during = polls.filter((at) => at >= startedAt && at <= settledAt);
    log(
      `${name}: ${tally.parents} parents, ${tally.finalStates} final states in ${wallSeconds.toFixed(1)} s; duplicates: ` +
        `${tally.duplicateParents} parents, ${tally.duplicateFinals} final states, ${tally.duplicateStates} state replies; ` +
        `${tally.rejected} 429s${tally.rejected ? ` (${tally.rejectedBy})` : ""}; ${polls.length} polls; peak RSS ${rss.map((mb) => mb.toFixed(0)).join(", ")} MB`,
    );
    const zero = { of: "value", op: "<=", bound: 0 } as const;
    return [
      judged({
        suite: name,
        metric: "final states posted",
        value: tally.finalStates,
        unit: `of ${operations}`,
        target: { of: "value", op: ">=", bound: operations },
      }),
      judged({ suite: name, metric: "commands not acknowledged", value: refused, unit: "", target: zero }),
      judged({
        suite: name,
        metric: "final states posted twice+",
        value: tally.duplicateFinals,
        unit: "",
        target: zero,
      }),
      judged({
        suite: name,
        metric: "parents posted twice+",
        value: tally.duplicateParents,
        unit: "",
        target: zero,
      }),
      judged({ suite: name, metric: "state replies posted twice+", value: tally.duplicateStates, unit: "" }),
      judged({ suite: name, metric: "Slack 429s", value: tally.rejected, unit: "", target: zero }),
      judged({ suite: name, metric: "polls, mean", value: during.length / wallSeconds, unit: "req/s" }),
      judged({ suite: name, metric: "polls, busiest 10 s", value: busiest(during, 10_000), unit: "req/s" }),
      judged({ suite: name, metric: "polls per operation", value: polls.length / operations, unit: "" }),
      judged({ suite: name, metric: "wall time to last final", value: wallSeconds, unit: "s" }),
      ...rss.map((mb, i) =>
        judged({ suite: name, metric: `peak RSS, replica ${i + 1}`, value: mb, unit: "MB" }),
      ),
    ];
  } finally {
    clearInterval(collector);
    await fleet?.stop();
    await Promise.all([slack.close(), deploy.close()]);
    await schema
      .drop()
      .catch((error: unknown) => log(`${name}: could not drop ${schema.name}: ${String(error)}`));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Requests per second in the busiest window of `windowMs`. */
function busiest(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let from = 0;
  for (let to = 0; to < sorted.length; to++) {
    while ((sorted[to] ?? 0) - (sorted[from] ?? 0) >= windowMs) from += 1;
    most = Math.max(most, to - from + 1);
  }
  return (most * 1000) / windowMs;
}
