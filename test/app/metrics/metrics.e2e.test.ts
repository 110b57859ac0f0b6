import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { identityFromEmail } from "../../../src/api/identity.js";
import { createCatalogue } from "../../../src/catalogue/index.js";
import { knownOperationIds } from "../../../src/catalogue/parse.js";
import { parsePolicy } from "../../../src/core/policy/policy-file.js";
import { type AppStack, startAppStack } from "../../helpers/app-stack.js";

// GET /metrics on the bot's own HTTP port, after real commands went through the gate, the Deploy
// simulator and the Slack stand-in.

const catalogue = createCatalogue();
const METRICS_TOKEN = "metrics-scrape-token-0123";
const policy = parsePolicy(
  `
roles:
  admin: ["*"]
grants:
  - { role: admin, to: { users: [U0ALICE] } }
approvals:
  - name: deletes
    match: ["job:delete"]
    approvers: { users: [U0BOB] }
    required: 1
`,
  { source: "metrics-test.yml", knownOperations: knownOperationIds(catalogue) },
);

let stack: AppStack;

beforeAll(async () => {
  stack = await startAppStack({
    catalogue,
    users: [
      { id: "U0ALICE", name: "alice", email: "alice@example.com" },
      { id: "U0BOB", name: "bob", email: "bob@example.com" },
      { id: "U0EVE", name: "eve", email: "eve@example.com" },
    ],
    policy,
    env: () => ({ OPSBOT_METRICS_TOKEN: METRICS_TOKEN }),
  });
});
afterAll(async () => {
  await stack.close();
});

async function scrape(token: string | null = METRICS_TOKEN) {
  return fetch(`http://127.0.0.1:${stack.port}/metrics`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
}

async function metricsText(): Promise<string> {
  const res = await scrape();
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return res.text();
}

function value(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function run(commandText: string, user: string) {
  const command = stack.fx.command({ text: commandText, user_id: user });
  const res = await stack.send.command(command);
  expect(res.status).toBe(200);
  const [reply] = await stack.responsesFor(command.response_url, 1);
  return reply;
}

describe("GET /metrics", () => {
  it("asks for the bearer token when one is configured", async () => {
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape("not-the-token")).status).toBe(401);
    const text = await metricsText();
    expect(text).toContain("# TYPE opsbot_commands_total counter");
    expect(text).not.toContain(METRICS_TOKEN);
  });

  it("counts commands by operation and outcome and times backend calls by backend and endpoint", async () => {
    await run("namespace list", "U0ALICE");
    await run("namespace list", "U0ALICE");
    await run("namespace list", "U0EVE");
    const text = await metricsText();
    expect(value(text, 'opsbot_commands_total{operation="namespace:list",outcome="succeeded"}')).toBe(2);
    expect(value(text, 'opsbot_commands_total{operation="namespace:list",outcome="refused"}')).toBe(1);
    expect(
      value(
        text,
        'opsbot_api_request_duration_seconds_count{backend="deploy",operation="listNamespaces",outcome="ok"}',
      ),
    ).toBe(2);
  });

  it("shows approvals pending, the Slack queue and Slack's 429s", async () => {
    await stack.api.deploy.deployTaskAs(
      { repository: "analytics", directory: "job_python", name: "metrics-job" },
      { identity: identityFromEmail("seed@example.com") },
    );
    // Slack rate-limits the next post once: the request message still goes out, and the 429 is counted.
    stack.slackApi.inject("chat.postMessage", { kind: "rate_limited", retryAfter: 1 });
    const reply = await run("job delete analytics metrics-job", "U0ALICE");
    expect(JSON.stringify(reply)).toContain("approval");
    for (let i = 0; i < 150; i++) {
      const text = await metricsText();
      if (value(text, 'opsbot_slack_rate_limited_total{method="chat.postMessage"}') === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const text = await metricsText();
    expect(value(text, 'opsbot_commands_total{operation="job:delete",outcome="needs-approval"}')).toBe(1);
    expect(value(text, "opsbot_approvals_pending")).toBe(1);
    expect(value(text, 'opsbot_slack_rate_limited_total{method="chat.postMessage"}')).toBe(1);
    expect(value(text, "opsbot_slack_queue_depth")).toBeGreaterThanOrEqual(0);
    expect(value(text, "opsbot_followups_in_flight")).toBe(0);
  });
});
