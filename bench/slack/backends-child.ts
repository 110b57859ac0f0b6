import { loadSimSettings, startSimulators } from "../../devkit/sim/index.js";
import { startSlackStandIn } from "../../devkit/slack-standin/index.js";
import { type BackendsReady, type BackendsReply, type BackendsRequest, epochNow } from "./protocol.js";

/**
 * The Deploy simulator and the Slack stand-in in their own process, so that the bots under test and the
 * load generator do not share an event loop with them. Exits when the parent disconnects.
 */

const USERS = Array.from({ length: 16 }, (_, i) => `U0BENCH${String(i).padStart(2, "0")}`);

const sims = await startSimulators(loadSimSettings({}));
const slack = await startSlackStandIn({
  users: USERS.map((id) => ({ id, name: id.toLowerCase(), email: `${id.toLowerCase()}@example.com` })),
  // Thousands of response URLs are issued ahead of the runs: a long TTL keeps them valid.
  triggerTtlMs: 60_000,
});
const send = (message: BackendsReply | BackendsReady) => process.send?.(message);

// A load that has finished: the Deploy… button's modal fetches it again (slowly, in the modal benchmark).
const started = await fetch(`${sims.deploy.url}/v2/task/load/configuration/from-git/quick_start/job_python`, {
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: "branch=master",
});
const load = (await started.json()) as { work_id: string };
sims.clock.advance(60_000);

slack.subscribe((event) => {
  if (event.type === "view" && event.action === "opened" && event.view.user)
    send({ type: "view-opened", user: event.view.user, at: epochNow() });
});

process.on("message", (raw) => {
  const request = raw as BackendsRequest;
  if (request.type === "issue") {
    const values = Array.from({ length: request.count }, () =>
      request.kind === "response"
        ? slack.issueResponseUrl({ user: request.user, channel: "C0BENCH" })
        : slack.issueTriggerId({ user: request.user }),
    );
    send({ type: "issued", id: request.id, values });
  } else if (request.type === "slow-deploy") {
    sims.deploy.setFaults(request.ms > 0 ? [{ kind: "latency", latencyMs: request.ms }] : []);
    send({ type: "done", id: request.id });
  }
});

send({
  type: "ready",
  deployUrl: sims.deploy.url,
  slackUrl: slack.url,
  slackToken: slack.token,
  botId: slack.identity.botId,
  botUserId: slack.identity.botUserId,
  workId: load.work_id,
  users: USERS,
});
process.on("disconnect", () => {
  void Promise.all([slack.close(), sims.close()]).then(() => process.exit(0));
});
