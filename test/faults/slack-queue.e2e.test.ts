import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Fault, StoredMessage } from "../../devkit/slack-standin/types.js";
import type { AppStack } from "../helpers/app-stack.js";
import {
  ACK_DEADLINE_MS,
  ALICE,
  BOB,
  command,
  eventually,
  failOnUnhandledRejections,
  replyTo,
  startFaultStack,
} from "./harness.js";

/**
 * chat.postMessage and chat.update failing under a running bot (a deploy's follow-up posts its status
 * and edits it): the command is still acknowledged in time, the queue retries what Slack did not take
 * and never posts a message twice, other users keep being served.
 */

let stack: AppStack;
failOnUnhandledRejections();
beforeAll(async () => {
  stack = await startFaultStack();
  // A deploy settles in three simulated seconds: a sixth of a second here.
  stack.sims.clock.setSpeed(20);
});
afterAll(() => stack?.close());
afterEach(() => stack.slackApi.clearFaults());

const DEPLOY = "task deploy quick_start job_python --branch main";
let channels = 0;
const freshChannel = () => `C0FAULT${String(channels++).padStart(4, "0")}`;

/** The follow-up's status messages of a deploy: posted once, then edited in place. */
const statusMessages = (channel: string): StoredMessage[] =>
  stack.slackApi.messages(channel).filter((m) => /^\S+ task:deploy: /.test(m.text ?? ""));

/** Runs a deploy in a channel of its own; Bob's read is answered while the deploy is followed. */
async function deployWhileBobReads(channel: string) {
  const payload = stack.fx.command({ text: DEPLOY, user_id: ALICE, channel_id: channel });
  const at = performance.now();
  const res = await stack.send.command(payload);
  const ackMs = performance.now() - at;
  expect(res.status).toBe(200);
  expect(ackMs).toBeLessThan(ACK_DEADLINE_MS);
  const bob = await replyTo(stack, await command(stack, "namespace list", BOB));
  expect(bob.text).toContain("analytics");
  expect(bob.ms).toBeLessThan(1_500);
  const reply = await replyTo(stack, { responseUrl: payload.response_url, ackMs, at });
  expect(reply.text).toContain("Task deployed");
}

/** The deploy's status reaches its final state, and it is the channel's only status message. */
async function expectSettledOnce(channel: string) {
  const texts = () => statusMessages(channel).map((m) => m.text);
  await eventually(() => expect(texts()).toContain("✅ task:deploy: succeeded"), 8_000);
  expect(texts()).toEqual(["✅ task:deploy: succeeded"]);
}

const callsTo = (method: string, channel: string) =>
  stack.slackApi.callsTo(method).filter((c) => c.args.channel === channel);

describe("chat.postMessage failing before Slack took the message", () => {
  it.each<[string, Fault]>([
    ["429 with Retry-After", { kind: "rate_limited", retryAfter: 1 }],
    ["HTTP 500", { kind: "http_error", status: 500 }],
    ["HTTP 503", { kind: "http_error", status: 503 }],
    ["a dropped connection", { kind: "disconnect" }],
    ["ok:false internal_error", { kind: "error", error: "internal_error" }],
  ])("%s: the status message is retried and posted once", async (_name, fault) => {
    const channel = freshChannel();
    stack.slackApi.inject("chat.postMessage", fault, 1);
    await deployWhileBobReads(channel);
    await expectSettledOnce(channel);
    const posts = callsTo("chat.postMessage", channel);
    const [first, second] = posts;
    // The retry is the same message (its metadata names it); its text may already be a later state,
    // when the deploy moved on while the first try waited (a loaded machine).
    expect(second?.args.metadata).toEqual(first?.args.metadata);
    expect(first?.args.metadata).toBeDefined();
    if (fault.kind === "rate_limited")
      expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(fault.retryAfter * 1_000);
  });
});

describe("chat.postMessage whose answer is lost after Slack posted the message", () => {
  // The outbox looks for the post by its metadata before trying again, so the channel never keeps a
  // stale "⏳ starting" message next to the real one.
  it.each<[string, Fault]>([
    ["a wrong-shaped answer", { kind: "wrong_shape", body: { ok: "yes" } }],
    ["an answer cut in the middle", { kind: "truncated_body" }],
  ])("%s: the status message is still posted only once", async (_name, fault) => {
    const channel = freshChannel();
    stack.slackApi.inject("chat.postMessage", fault, 1);
    await deployWhileBobReads(channel);
    await expectSettledOnce(channel);
  });
});

describe("chat.update failing", () => {
  it.each<[string, Fault]>([
    ["429 with Retry-After", { kind: "rate_limited", retryAfter: 1 }],
    ["HTTP 503", { kind: "http_error", status: 503 }],
    ["a dropped connection", { kind: "disconnect" }],
    ["a wrong-shaped answer", { kind: "wrong_shape" }],
    ["an answer cut in the middle", { kind: "truncated_body" }],
  ])("%s: the status message still reaches its final state, once", async (_name, fault) => {
    const channel = freshChannel();
    stack.slackApi.inject("chat.update", fault, 1);
    await deployWhileBobReads(channel);
    await expectSettledOnce(channel);
    if (fault.kind === "rate_limited") {
      const [limited, next] = callsTo("chat.update", channel);
      expect(limited?.status).toBe(429);
      expect((next?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1_000);
    }
  });
});
