import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CALYPTIA_SEED } from "../devkit/sim/calyptia.js";
import type { SimSettings } from "../devkit/sim/index.js";
import { ORCHESTRATION_SEED } from "../devkit/sim/orchestration-world.js";
import { createLogger } from "../src/app/logger.js";
import { decodeApprovalValue } from "../src/blocks/approval.js";
import { ACTION, BLOCK } from "../src/blocks/ids.js";
import { createCatalogue } from "../src/catalogue/index.js";
import { knownOperationIds } from "../src/catalogue/parse.js";
import { parsePolicy } from "../src/core/policy/policy-file.js";
import { type AppStack, startAppStack } from "./helpers/app-stack.js";

// A whole scenario with every log line kept (the production logger, at trace), then every log line and
// everything sent to Slack searched for the configured secrets.

const catalogue = createCatalogue();
const lines: string[] = [];
const logger = createLogger({
  level: "trace",
  destination: new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  }),
});
let settings: SimSettings | undefined;
const METRICS_TOKEN = "metrics-bearer-token-for-the-scan";
let stack: AppStack;

beforeAll(async () => {
  stack = await startAppStack({
    catalogue,
    users: [
      { id: "U0ALICE", name: "alice", email: "alice@example.com" },
      { id: "U0BOB", name: "bob", email: "bob@example.com" },
    ],
    logger,
    policy: parsePolicy(
      "roles: { admin: ['*'] }\ngrants: [{ role: admin, to: { everyone: true } }]\napprovals:\n  - { name: deletes, match: ['*:delete'], approvers: { users: [U0BOB] } }\n",
      {
        source: "secrets-test.yml",
        knownOperations: knownOperationIds(catalogue),
      },
    ),
    env: (sims, s) => {
      settings = s;
      return {
        CALYPTIA_API_URL: sims.calyptia.url,
        CALYPTIA_API_TOKEN: s.calyptiaToken,
        ORCHESTRATION_API_URL: sims.orchestration.url,
        ORCHESTRATION_TOKEN_URL: `${sims.orchestration.url}/auth/v1/token`,
        ORCHESTRATION_CLIENT_ID: s.orchestrationClientId,
        ORCHESTRATION_CLIENT_SECRET: s.orchestrationClientSecret,
        ORCHESTRATION_REFRESH_TOKEN: s.orchestrationRefreshToken,
        ORCHESTRATION_PROJECT_ID: ORCHESTRATION_SEED.projectId,
        ORCHESTRATION_ALLOCATION_ID: ORCHESTRATION_SEED.allocationId,
        OPSBOT_METRICS_TOKEN: METRICS_TOKEN,
      };
    },
  });
});
afterAll(() => stack.close());

async function run(text: string, user = "U0ALICE") {
  const command = stack.fx.command({ text, user_id: user });
  const res = await stack.send.command(command);
  if (res.text) return;
  await stack.responseFor(command.response_url).catch(() => undefined);
}

describe("secrets", () => {
  it("appear in no log line and nothing sent to Slack, across a whole scenario", async () => {
    await run("help");
    await run("whoami");
    await run("namespace list");
    await run(`port list ${CALYPTIA_SEED.pipelineId}`);
    await run("payload list");
    await run("allocation get");
    await run("task deploy analytics job_python --name secret-scan --namespace analytics");
    await run(`log request ${CALYPTIA_SEED.pipelineId}`);
    await run("job delete analytics nightly-report");
    const message = stack.slackApi
      .messages("C0OPS0001")
      .find((m) => JSON.stringify(m).includes(BLOCK.approvalButtons));
    const value = (
      message as unknown as { blocks: { block_id?: string; elements?: { value?: string }[] }[] }
    ).blocks.find((b) => b.block_id === BLOCK.approvalButtons)?.elements?.[0]?.value;
    expect(decodeApprovalValue(value)).toBeDefined();
    await stack.send.interaction(
      stack.fx.blockActions(
        {
          type: "button" as const,
          action_id: ACTION.approve,
          block_id: BLOCK.approvalButtons,
          text: { type: "plain_text" as const, text: "Approve" },
          value: value ?? "",
          action_ts: "1700000000.000001",
        },
        { user: "U0BOB" },
      ),
    );
    // A failing backend and a refused token make error paths log too.
    stack.sims.deploy.setFaults([{ kind: "error", status: 500, times: 3 }]);
    await run("task list");
    stack.sims.deploy.setFaults([]);
    stack.sims.clock.advance(120_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // A scrape with a wrong token and one with the right one: neither may echo it.
    const metricsUrl = `http://127.0.0.1:${stack.port}/metrics`;
    const refused = await fetch(metricsUrl, { headers: { authorization: "Bearer wrong" } });
    expect(refused.status).toBe(401);
    const scraped = await fetch(metricsUrl, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(scraped.status).toBe(200);
    const metricsText = await scraped.text();

    if (!settings) throw new Error("no simulator settings");
    const secrets = {
      "Slack bot token": stack.slackApi.token,
      "Slack signing secret": "app-stack-signing-secret",
      "Calyptia token": settings.calyptiaToken,
      "Orchestration client secret": settings.orchestrationClientSecret,
      "Orchestration refresh token": settings.orchestrationRefreshToken,
      "metrics bearer token": METRICS_TOKEN,
    };
    const slackSide = JSON.stringify({
      calls: stack.slackApi.calls,
      responses: stack.slackApi.responses(),
      files: stack.slackApi.files(),
    });
    expect(lines.length).toBeGreaterThan(50);
    expect(lines.some((l) => l.includes('"audit"'))).toBe(true);
    for (const [what, secret] of Object.entries(secrets)) {
      expect(secret.length, what).toBeGreaterThan(8);
      expect(
        lines.filter((l) => l.includes(secret)),
        `${what} in the logs`,
      ).toEqual([]);
      expect(slackSide.includes(secret), `${what} sent to Slack`).toBe(false);
      expect(metricsText.includes(secret), `${what} in /metrics`).toBe(false);
    }
  });
});
