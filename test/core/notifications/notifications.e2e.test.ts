import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION, BLOCK } from "../../../src/blocks/ids.js";
import { createCatalogue } from "../../../src/catalogue/index.js";
import { knownOperationIds } from "../../../src/catalogue/parse.js";
import { parsePolicy } from "../../../src/core/policy/policy-file.js";
import { type AppStack, startAppStack } from "../../helpers/app-stack.js";

// Event routing (the permissions file and /ops subscribe) and the App Home tab, end to end.

const OPS = "C0OPS0001";
const ALERTS = "C0ALERTS";
const AUDIT = "C0AUDIT";
const catalogue = createCatalogue();
const policy = parsePolicy(
  `
roles:
  operator: ["task", "job:delete", "*:list", "*:state", "help", "whoami"]
  admin: ["*"]
grants:
  - { role: operator, to: { users: [U0ALICE] } }
  - { role: admin, to: { users: [U0BOB] } }
approvals:
  - { name: deletes, match: ["job:delete"], approvers: { users: [U0BOB] } }
notifications:
  - { channel: ${ALERTS}, events: [operation.failed, approval.requested] }
`,
  {
    source: "notifications-test.yml",
    knownOperations: knownOperationIds(catalogue),
  },
);

let stack: AppStack;
beforeAll(async () => {
  stack = await startAppStack({
    catalogue,
    users: [
      { id: "U0ALICE", name: "alice", email: "alice@example.com" },
      { id: "U0BOB", name: "bob", email: "bob@example.com" },
      { id: "U0CAROL", name: "carol", email: "carol@example.com" },
    ],
    policy,
  });
});
afterAll(() => stack.close());

const text = (v: unknown) => JSON.stringify(v);

async function run(typed: string, user = "U0ALICE") {
  const command = stack.fx.command({ text: typed, user_id: user });
  await stack.send.command(command);
  return stack.responseFor(command.response_url);
}

async function until<T>(probe: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const found = probe();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("notifications", () => {
  it("admins route events from Slack; only admins may", async () => {
    expect(text(await run(`subscribe operation.started <#${AUDIT}|audit>`))).toContain(
      "needs the admin role",
    );
    expect(text(await run(`subscribe operation.started <#${AUDIT}|audit>`, "U0BOB"))).toContain(
      `*Now sent to*\\n<#${AUDIT}>`,
    );
    expect(text(await run(`subscribe operation.started <#${AUDIT}|audit>`, "U0BOB"))).toContain(
      `*Already sent to*\\n<#${AUDIT}>`,
    );
    expect(text(await run("subscribe operation.succeeded", "U0BOB"))).toContain(`*Now sent to*\\n<#${OPS}>`);
    // An argument error is answered in the acknowledgement itself.
    const bad = await stack.send.command(stack.fx.command({ text: "subscribe nonsense", user_id: "U0BOB" }));
    expect(text(bad.json())).toContain("must be one of operation.started");
    // Anyone may see where events go.
    const routes = text(await run("subscribe"));
    expect(routes).toMatch(new RegExp(`operation\\.started.*<#${AUDIT}>`));
    expect(routes).toMatch(new RegExp(`operation\\.failed.*<#${ALERTS}>`));
  });

  it("tell the routed channels when a followed operation starts and when it fails", async () => {
    await run("task deploy analytics fail_job --name nt-fail --namespace analytics");
    const started = await until(
      () => stack.slackApi.messages(AUDIT).find((m) => text(m).includes("started")),
      "started",
    );
    expect(text(started)).toContain("`task:deploy`");
    stack.sims.clock.advance(60_000);
    const failed = await until(
      () => stack.slackApi.messages(ALERTS).find((m) => text(m).includes("failed")),
      "failed",
    );
    expect(text(failed)).toContain("asked by <@U0ALICE>");
    // The channel it ran in already has the news in the thread and the broadcast: no extra post there.
    expect(stack.slackApi.messages(OPS).filter((m) => text(m).includes("asked by <@U0ALICE> in"))).toEqual(
      [],
    );
  });

  it("checks who clicks Refresh on a followed operation", async () => {
    const parent = stack.slackApi.messages(OPS).find((m) => text(m).includes(BLOCK.followUpStatus));
    const id = /follow-up `(fu_[^`]+)`/.exec(text(parent))?.[1];
    if (!id) throw new Error("no follow-up parent");
    const click = async (user: string) => {
      const payload = stack.fx.blockActions(
        {
          type: "button" as const,
          action_id: ACTION.followUpRefresh,
          block_id: BLOCK.followUpButtons,
          text: { type: "plain_text" as const, text: "Refresh" },
          value: id,
          action_ts: "1700000000.000001",
        },
        { user },
      );
      await stack.send.interaction(payload);
      const [reply] = await stack.responsesFor(payload.response_url, 1);
      return text(reply);
    };
    expect(await click("U0CAROL")).toContain("needs the");
    expect(await click("U0ALICE")).toContain("already finished");
  });

  it("unsubscribe stops it", async () => {
    expect(text(await run(`unsubscribe operation.started <#${AUDIT}|audit>`, "U0BOB"))).toContain(
      "No longer sent to",
    );
    expect(text(await run(`unsubscribe operation.started <#${AUDIT}|audit>`, "U0BOB"))).toContain(
      "Was not sent to",
    );
  });

  it("announce approval requests where the file says", async () => {
    await run("job delete analytics nightly-report");
    const note = await until(
      () => stack.slackApi.messages(ALERTS).find((m) => text(m).includes("asks to run")),
      "request",
    );
    expect(text(note)).toContain("`job:delete`");
  });
});

describe("the App Home tab", () => {
  it("shows what waits for the person's approval and what they ran", async () => {
    const before = stack.slackApi.callsTo("views.publish").length;
    const res = await stack.send.event({
      token: "verification-token",
      team_id: "T0STANDIN",
      api_app_id: "A0OPSBOT",
      type: "event_callback",
      event_id: "Ev0HOME1",
      event_time: Math.floor(Date.now() / 1000),
      event: {
        type: "app_home_opened",
        user: "U0BOB",
        channel: "D0BOB",
        tab: "home",
        event_ts: "1700000000.000100",
      },
    });
    expect(res.status).toBe(200);
    const published = await until(() => stack.slackApi.callsTo("views.publish")[before], "views.publish");
    const shown = text(published.args.view);
    expect(shown).toContain("Waiting for your approval");
    expect(shown).toContain("<@U0ALICE> asks to run `job:delete`");

    const alice = await stack.send.event({
      token: "verification-token",
      team_id: "T0STANDIN",
      api_app_id: "A0OPSBOT",
      type: "event_callback",
      event_id: "Ev0HOME2",
      event_time: Math.floor(Date.now() / 1000),
      event: {
        type: "app_home_opened",
        user: "U0ALICE",
        channel: "D0ALICE",
        tab: "home",
        event_ts: "1700000000.000200",
      },
    });
    expect(alice.status).toBe(200);
    const hers = await until(() => stack.slackApi.callsTo("views.publish")[before + 1], "her home");
    expect(text(hers.args.view)).toContain("Your recent operations");
    expect(text(hers.args.view)).toContain("`task:deploy`");
    expect(text(hers.args.view)).toContain("_Nothing waits for you._");
  });
});
