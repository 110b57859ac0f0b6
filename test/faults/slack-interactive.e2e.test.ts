import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Fault } from "../../devkit/slack-standin/types.js";
import type { AppStack } from "../helpers/app-stack.js";
import {
  ACK_DEADLINE_MS,
  ALICE,
  BOB,
  command,
  eventually,
  failOnUnhandledRejections,
  replyTo,
  sleep,
  startFaultStack,
} from "./harness.js";

/**
 * views.open and the response URL failing under a running bot: the command is still acknowledged in
 * time, a modal is not opened late or twice, a reply is never posted twice, other users keep being served.
 */

let stack: AppStack;
failOnUnhandledRejections();
beforeAll(async () => {
  stack = await startFaultStack();
});
afterAll(() => stack?.close());
afterEach(() => stack.slackApi.clearFaults());

describe("views.open failing (/ops alone opens the picker)", () => {
  async function openPicker() {
    const payload = stack.fx.command({ text: "", user_id: ALICE });
    const at = Date.now();
    const res = await stack.send.command(payload);
    expect(res.status).toBe(200);
    expect(Date.now() - at).toBeLessThan(ACK_DEADLINE_MS);
    return { payload, at };
  }

  it.each<[string, Fault]>([
    ["429 with Retry-After", { kind: "rate_limited", retryAfter: 1 }],
    ["HTTP 503", { kind: "http_error", status: 503 }],
    ["a dropped connection", { kind: "disconnect" }],
  ])("%s once: tried again within the trigger's 3 s, the picker opens once", async (_name, fault) => {
    const views = stack.slackApi.views().length;
    const calls = stack.slackApi.callsTo("views.open").length;
    stack.slackApi.inject("views.open", fault, 1);
    const { at } = await openPicker();
    await eventually(() => expect(stack.slackApi.views().length).toBe(views + 1), 4_000);
    const tries = stack.slackApi.callsTo("views.open").slice(calls);
    expect(tries).toHaveLength(2);
    for (const t of tries) expect(t.at - at).toBeLessThan(3_000);
  });

  it.each<[string, Fault]>([
    ["a wrong-shaped answer", { kind: "wrong_shape" }],
    ["an answer cut in the middle", { kind: "truncated_body" }],
  ])("%s: not tried again (the modal is already open)", async (_name, fault) => {
    const views = stack.slackApi.views().length;
    const calls = stack.slackApi.callsTo("views.open").length;
    stack.slackApi.inject("views.open", fault, 1);
    await openPicker();
    await sleep(1_200);
    expect(stack.slackApi.callsTo("views.open").length - calls).toBe(1);
    expect(stack.slackApi.views().length).toBe(views + 1);
  });

  describe("failing for good", () => {
    // One command for both checks below: the client's two quick retries (0.3 s apart) all fail.
    let calls = 0;
    let started = 0;
    let responseUrl = "";
    beforeAll(async () => {
      calls = stack.slackApi.callsTo("views.open").length;
      stack.slackApi.inject("views.open", { kind: "http_error", status: 503 }, 10);
      const { payload, at } = await openPicker();
      responseUrl = payload.response_url;
      started = at;
      await sleep(3_500);
      stack.slackApi.clearFaults();
    });

    it("the user is told, privately, that the form could not be opened", () => {
      const reply = stack.slackApi.responses().find((r) => r.url === responseUrl);
      expect(reply?.body.response_type).toBe("ephemeral");
      expect(String(reply?.body.text)).toContain("Slack did not open the form");
      expect(String(reply?.body.text)).toContain("/ops help");
    });

    // Every retry lands while the trigger_id is still valid.
    it("no views.open is sent after the trigger expired", () => {
      const tries = stack.slackApi.callsTo("views.open").slice(calls);
      expect(tries.length).toBeGreaterThan(0);
      for (const t of tries) expect(t.at - started).toBeLessThan(3_000);
    });
  });
});

describe("the response URL failing", () => {
  it.each<[string, Fault]>([
    ["429 with Retry-After", { kind: "rate_limited", retryAfter: 1 }],
    ["HTTP 503", { kind: "http_error", status: 503 }],
    ["a dropped connection", { kind: "disconnect" }],
    ["an answer cut in the middle", { kind: "truncated_body" }],
    ["a slow answer", { kind: "delay", ms: 1_500 }],
  ])("%s: acknowledged in time, never answered twice, the bot keeps serving", async (_name, fault) => {
    stack.slackApi.inject("response", fault, 1);
    const alice = await command(stack, "namespace list");
    const bob = await replyTo(stack, await command(stack, "task list", BOB));
    expect(bob.text).toContain("Tasks");
    expect(bob.ms).toBeLessThan(1_500);
    await sleep(fault.kind === "delay" ? 1_700 : 300);
    const replies = stack.slackApi.responses().filter((r) => r.url === alice.responseUrl);
    expect(replies.length).toBeLessThanOrEqual(1);
    const again = await replyTo(stack, await command(stack, "namespace list"));
    expect(again.text).toContain("analytics");
  });
});
