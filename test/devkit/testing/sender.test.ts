import type { AddressInfo } from "node:net";
import { App, isValidSlackRequest, LogLevel } from "@slack/bolt";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { type SlackStandIn, startSlackStandIn } from "../../../devkit/slack-standin/index.js";
import {
  createSlackFixtures,
  createSlackSender,
  encodeCommand,
  type SlackSender,
  slackSignature,
  staleTimestamp,
  stateValue,
} from "../../../devkit/testing/index.js";
import { createBoltLogger } from "../../../src/slack/logger.js";

const SECRET = "test-signing-secret";

describe("slackSignature", () => {
  it("matches the example in Slack's request-verification docs", () => {
    const body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    expect(slackSignature("8f742231b10e8888abcd99yyyzzz85a5", 1531420618, body)).toBe(
      "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    );
  });

  it("agrees with Bolt's own verifier", () => {
    const body = encodeCommand(createSlackFixtures().command({ text: "task list --state=failed" }));
    const ts = 1_700_000_000;
    const verify = (signature: string) =>
      isValidSlackRequest({
        signingSecret: SECRET,
        body,
        headers: { "x-slack-signature": signature, "x-slack-request-timestamp": ts },
        nowMilliseconds: ts * 1000,
      });
    expect(verify(slackSignature(SECRET, ts, body))).toBe(true);
    expect(verify(slackSignature("other", ts, body))).toBe(false);
  });
});

describe("signed requests into a Bolt HTTPReceiver", () => {
  let app: App | undefined;
  let standIn: SlackStandIn | undefined;

  afterEach(async () => {
    await app?.stop();
    await standIn?.close();
    app = undefined;
    standIn = undefined;
  });

  async function startApp(
    register: (app: App) => void,
  ): Promise<{ slack: SlackSender; standIn: SlackStandIn }> {
    const s = await startSlackStandIn();
    standIn = s;
    const logger = pino({ level: "silent" });
    app = new App({
      token: s.token,
      signingSecret: SECRET,
      botId: s.identity.botId,
      botUserId: s.identity.botUserId,
      logger: createBoltLogger(logger),
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: s.url, retryConfig: { retries: 0 }, timeout: 2000 },
    });
    register(app);
    const server = await app.start({ port: 0, host: "127.0.0.1" });
    const { port } = server.address() as AddressInfo;
    return {
      slack: createSlackSender({ url: `http://127.0.0.1:${port}/slack/events`, signingSecret: SECRET }),
      standIn: s,
    };
  }

  it("delivers a signed slash command whose listener acks, opens a modal and responds", async () => {
    const seen: string[] = [];
    const { slack, standIn: s } = await startApp((a) =>
      a.command("/ops", async ({ command, ack, client, respond }) => {
        await ack({ text: `running ${command.text}` });
        seen.push(command.text);
        await client.views.open({
          trigger_id: command.trigger_id,
          view: { type: "modal", title: { type: "plain_text", text: "Ops" }, blocks: [] },
        });
        await respond({ text: "done" });
      }),
    );
    const fixtures = createSlackFixtures(s);
    const res = await slack.command(fixtures.command({ text: 'task list --name "a b"' }));

    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ text: 'running task list --name "a b"' });
    await expect.poll(() => s.responses().length).toBe(1);
    expect(seen).toEqual(['task list --name "a b"']);
    expect(s.callsTo("views.open")[0]?.response.ok).toBe(true);
    expect(s.responses()[0]?.body).toMatchObject({ text: "done" });
  });

  it("refuses a bad signature with 401 before any listener runs", async () => {
    let ran = false;
    const { slack } = await startApp((a) =>
      a.command("/ops", async ({ ack }) => {
        ran = true;
        await ack();
      }),
    );
    const res = await slack.command(createSlackFixtures().command(), { badSignature: true });
    expect(res.status).toBe(401);
    expect(ran).toBe(false);
  });

  it("refuses a timestamp older than five minutes with 401", async () => {
    const { slack } = await startApp((a) => a.command("/ops", async ({ ack }) => ack()));
    expect(
      (await slack.command(createSlackFixtures().command(), { timestamp: staleTimestamp() })).status,
    ).toBe(401);
    expect((await slack.command(createSlackFixtures().command())).status).toBe(200);
  });

  it("shows why the body must not carry a charset: Bolt answers 400", async () => {
    const { slack } = await startApp((a) => a.command("/ops", async ({ ack }) => ack()));
    const body = encodeCommand(createSlackFixtures().command());
    expect((await slack.raw(body, "application/x-www-form-urlencoded;charset=UTF-8")).status).toBe(400);
  });

  it("delivers block_actions with the button's value", async () => {
    const values: (string | undefined)[] = [];
    const { slack, standIn: s } = await startApp((a) =>
      a.action({ action_id: "approve" }, async ({ ack, action }) => {
        await ack();
        if (action.type === "button") values.push(action.value);
      }),
    );
    const fx = createSlackFixtures(s);
    const res = await slack.interaction(fx.blockActions(fx.button("approve", { value: "req-42" })));
    expect(res.status).toBe(200);
    expect(values).toEqual(["req-42"]);
  });

  it("delivers view_submission and returns the listener's validation errors", async () => {
    const { slack, standIn: s } = await startApp((a) =>
      a.view("deploy", async ({ ack, view }) => {
        const env = view.state.values.env?.value?.selected_option?.value;
        await ack({ response_action: "errors", errors: { env: `unknown environment ${env}` } });
      }),
    );
    const fx = createSlackFixtures(s);
    const view = fx.view({
      callbackId: "deploy",
      values: { env: { value: stateValue.staticSelect("moon") } },
    });
    const res = await slack.interaction(fx.viewSubmission(view));
    expect(res.json()).toEqual({ response_action: "errors", errors: { env: "unknown environment moon" } });
  });

  it("delivers view_closed and block_suggestion", async () => {
    const closed: boolean[] = [];
    const { slack, standIn: s } = await startApp((a) => {
      a.view({ callback_id: "deploy", type: "view_closed" }, async ({ ack, body }) => {
        await ack();
        if (body.type === "view_closed") closed.push(body.is_cleared);
      });
      a.options("pipeline", async ({ ack, options }) =>
        ack({ options: [{ text: { type: "plain_text", text: `${options.value}-1` }, value: "p1" }] }),
      );
    });
    const fx = createSlackFixtures(s);
    const view = fx.view({ callbackId: "deploy" });
    expect((await slack.interaction(fx.viewClosed(view, { isCleared: true }))).status).toBe(200);
    expect(closed).toEqual([true]);
    const suggestion = await slack.interaction(fx.blockSuggestion("pipeline", "ingest", { view }));
    expect(suggestion.json()).toEqual({
      options: [{ text: { type: "plain_text", text: "ingest-1" }, value: "p1" }],
    });
  });
});
