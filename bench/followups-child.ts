import { createDeploySim } from "../devkit/sim/deploy.js";
import { SimClock } from "../devkit/sim/http.js";
import { startSlackStandIn } from "../devkit/slack-standin/index.js";

/**
 * The follow-up benchmark's backends in their own process, so the bot's memory is measured alone: the
 * Deploy simulator and the Slack stand-in (with Slack's rate limits), both on one simulated clock.
 * Reports its URLs and that clock's reading; answers "stats" with what it saw.
 */
const speed = Number(process.env.BENCH_SPEED ?? "100");
const settleMs = Number(process.env.BENCH_SETTLE_MS ?? "120000");
const clock = new SimClock(speed);
const deploy = createDeploySim({ clock, settleMs });
const deployUrl = await deploy.listen();
const slack = await startSlackStandIn({
  users: [{ id: "U0BENCH", name: "bench", email: "bench@example.com" }],
  rateLimits: true,
  clock: () => clock.now(),
});

process.on("message", (message) => {
  if (message !== "stats") return;
  const polls = deploy.requests.filter((r) => r.url.startsWith("/v1/task/state/")).map((r) => r.at);
  process.send?.({
    type: "stats",
    rejected: slack.calls.filter((c) => c.status === 429).length,
    posts: slack.calls.filter((c) => c.method === "chat.postMessage" && c.status === 200).length,
    updates: slack.calls.filter((c) => c.method === "chat.update" && c.status === 200).length,
    polls,
  });
});
process.send?.({
  type: "ready",
  deployUrl,
  slackUrl: slack.url,
  slackToken: slack.token,
  botId: slack.identity.botId,
  botUserId: slack.identity.botUserId,
  realNow: Date.now(),
  simNow: clock.now(),
});
process.on("disconnect", () => {
  void Promise.all([slack.close(), deploy.close()]).then(() => process.exit(0));
});
