import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEPLOY_SEED } from "../../../devkit/sim/deploy-data.js";
import type { StandInUser } from "../../../devkit/slack-standin/types.js";
import { ACTION, CALLBACK, sourceActionId } from "../../../src/blocks/ids.js";
import { createCatalogue } from "../../../src/catalogue/index.js";
import { DEFAULT_POLICY, type Policy } from "../../../src/core/policy/policy.js";
import { QUICK_CHECK_LATE } from "../../../src/core/policy/quick-check.js";
import { encodeModalMetadata } from "../../../src/slack/listeners/modal-metadata.js";
import { OTHER_TEAM_TEXT } from "../../../src/slack/middleware/serving.js";
import { type AppStack, startAppStack } from "../../helpers/app-stack.js";

// Who may use opsbot at all, through the real receiver with signed requests: every refusal says why and
// reaches no backend (the Deploy simulator counts its requests).
const OPS = "C0OPS0001";
const ELSEWHERE = "C0ELSE0001";
const USERS: StandInUser[] = [
  { id: "U0ALICE", name: "alice", email: "alice@example.com" },
  { id: "U0BOB", name: "bob", email: "bob@example.com" },
  { id: "U0GUEST1", name: "single", email: "single@example.com", guest: "single-channel" },
  { id: "U0GUEST2", name: "multi", email: "multi@example.com", guest: "multi-channel" },
  { id: "U0NAMED", name: "named", email: "named@example.com", guest: "multi-channel" },
  { id: "U0EXT", name: "ext", email: "ext@other.example", teamId: "T0OTHER", isStranger: true },
  { id: "U0GONE", name: "gone", email: "gone@example.com", deleted: true },
  { id: "U0UNCONF", name: "unconfirmed", email: "unconfirmed@example.com", emailConfirmed: false },
  { id: "U0ROBOT", name: "robot", isBot: true },
  { id: "U0SLOW", name: "slow", email: "slow@example.com" },
];
// `everyone` in #ops, a user group the multi-channel guest is in, and one guest named by user ID.
const POLICY: Policy = {
  ...DEFAULT_POLICY,
  source: "trust-test.yml",
  roles: new Map([["admin", ["*"]]]),
  grants: [
    { role: "admin", everyone: true, users: [], usergroups: [], channels: [OPS] },
    { role: "admin", everyone: false, users: [], usergroups: ["S0EVERY"] },
    { role: "admin", everyone: false, users: ["U0NAMED"], usergroups: [] },
  ],
};

let stack: AppStack;
beforeAll(async () => {
  stack = await startAppStack({
    catalogue: createCatalogue(),
    users: USERS,
    userGroups: [{ id: "S0EVERY", handle: "every", users: ["U0GUEST2", "U0ALICE"] }],
    policy: POLICY,
  });
});
afterAll(() => stack.close());

let before = 0;
beforeEach(() => {
  before = stack.sims.deploy.requests.length;
});
const backendCalls = () => stack.sims.deploy.requests.length - before;

async function command(text: string, user: string, fields: Record<string, string> = {}) {
  const sent = stack.fx.command({ text, user_id: user, channel_id: OPS, ...fields });
  const res = await stack.send.command(sent);
  return { res, sent };
}

/** What a refused command was told, through its response URL. */
async function told(text: string, user: string): Promise<string> {
  const { sent } = await command(text, user);
  return JSON.stringify(await stack.responseFor(sent.response_url));
}

describe("who may use opsbot", () => {
  it("lets a full member of the workspace in", async () => {
    expect(await told("namespace list", "U0ALICE")).toContain(DEPLOY_SEED.namespaces[0]);
    expect(backendCalls()).toBe(1);
  });

  it.each([
    ["a single-channel guest", "U0GUEST1", "single-channel guest"],
    ["a multi-channel guest, even in a user group that has the role", "U0GUEST2", "You are a guest"],
    ["an external user (another team, is_stranger)", "U0EXT", "another Slack organisation"],
    ["a deactivated user", "U0GONE", "deactivated"],
    ["a bot user", "U0ROBOT", "bot account"],
  ])("refuses %s, saying why, and calls no backend", async (_who, user, reason) => {
    const said = await told("namespace list", user);
    expect(said).toContain(reason);
    expect(said).toContain("names them by user ID");
    expect(backendCalls()).toBe(0);
  });

  it("grants a guest what the file gives them by user ID, but never uses a guest's email as identity", async () => {
    expect(await told("namespace list", "U0NAMED")).toContain(DEPLOY_SEED.namespaces[0]);
    expect(backendCalls()).toBe(1);
    const said = await told(`job delete ${DEPLOY_SEED.job.namespace} ${DEPLOY_SEED.job.name}`, "U0NAMED");
    expect(said).toContain("cannot use your Slack email as your Deploy API identity");
    expect(backendCalls()).toBe(1);
  });

  it("refuses a change for a user whose email Slack has not confirmed, and sends nothing", async () => {
    const said = await told(`job delete ${DEPLOY_SEED.job.namespace} ${DEPLOY_SEED.job.name}`, "U0UNCONF");
    expect(said).toContain("not confirmed");
    expect(backendCalls()).toBe(0);
  });

  it("refuses every kind of request from another team at the door, with the reason, audited", async () => {
    const { res } = await command("namespace list", "U0ALICE", { team_id: "T0OTHER" });
    expect(res.json()).toMatchObject({ response_type: "ephemeral", text: OTHER_TEAM_TEXT });

    const suggestion = stack.fx.blockSuggestion(sourceActionId("namespaces"), "", {
      view: form("task:deploy-config", OPS),
    });
    const options = await stack.send.interaction({ ...suggestion, team: { id: "T0OTHER", domain: "other" } });
    expect(options.json()).toEqual({ options: [] });

    // A Slack Connect user clicking in one of our channels: the payload's team is ours, theirs is not.
    const click = stack.fx.blockActions(stack.fx.button(ACTION.runOperation, { value: "x" }), {
      channel: OPS,
    });
    await stack.send.interaction({ ...click, user: { ...click.user, team_id: "T0OTHER" } });
    expect(JSON.stringify(await stack.responseFor(click.response_url))).toContain("another one");

    expect(backendCalls()).toBe(0);
    const refusals = await stack.bot.core.store.audit.query({ limit: 10 });
    expect(refusals.filter((e) => e.kind === "refusal" && e.outcome === "other-team")).toHaveLength(3);
  });
});

/** An operation's open form, as a dropdown in it asks for options. */
function form(operationId: string, channelId: string) {
  return stack.fx.view({
    callbackId: CALLBACK.operationModal,
    privateMetadata: encodeModalMetadata({ operationId, channelId }),
  });
}

describe("dropdown options", () => {
  const ask = async (user: string, channel: string) => {
    const suggestion = stack.fx.blockSuggestion(sourceActionId("namespaces"), "", {
      user,
      view: form("task:deploy-config", channel),
    });
    return ((await stack.send.interaction(suggestion)).json() as { options: { value: string }[] }).options;
  };

  it("answers someone with no role there with no options, and asks no backend", async () => {
    expect(await ask("U0BOB", ELSEWHERE)).toEqual([]);
    expect(await ask("U0GUEST1", OPS)).toEqual([]);
    expect(backendCalls()).toBe(0);
  });

  it("answers someone allowed from a short cache, and limits how often one person may ask", async () => {
    const first = await ask("U0NAMED", OPS);
    expect(first.map((o) => o.value)).toContain(DEPLOY_SEED.namespaces[0]);
    for (let i = 0; i < 9; i++) expect(await ask("U0NAMED", OPS)).toEqual(first);
    // One backend call for ten keystrokes; the eleventh within 10 s is over the limit.
    expect(backendCalls()).toBe(1);
    expect(await ask("U0NAMED", OPS)).toEqual([]);
  });
});

describe("opening a form", () => {
  it("does not open it when the permission check cannot finish in time, and says to try again", async () => {
    stack.slackApi.inject("users.info", { kind: "delay", ms: 2_000 });
    const { sent } = await command("job delete", "U0SLOW");
    expect(JSON.stringify(await stack.responseFor(sent.response_url))).toContain(QUICK_CHECK_LATE);
    expect(stack.slackApi.callsTo("views.open")).toEqual([]);
    expect(backendCalls()).toBe(0);
  });
});
