import { afterEach, describe, expect, it } from "vitest";
import type { Fault } from "../../../devkit/slack-standin/types.js";
import { type SlackOutbox, SlackOutboxError } from "../../../src/slack/outbox/index.js";
import { outboxPerTest } from "./harness.js";

const start = outboxPerTest();
const C = "C0OPS0001";
const D = "C0OPS0002";

let open: SlackOutbox[] = [];
afterEach(async () => {
  // Every test leaves a stopped outbox: nothing keeps running into the next one.
  await Promise.all(open.map((o) => o.stop()));
  open = [];
});

async function setup(options: Parameters<typeof start>[0] = {}) {
  const ctx = await start(options);
  open.push(ctx.outbox);
  return ctx;
}

const statuses = (calls: readonly { status: number }[]) => calls.map((c) => c.status);

describe("posts", () => {
  it("sends 60 posts to one channel in order at one a second, without a single 429", async () => {
    const { standIn, outbox, clock } = await setup();
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => outbox.post({ channel: C, text: `m${i}` })),
    );

    expect(standIn.messages(C).map((m) => m.text)).toEqual(Array.from({ length: 60 }, (_, i) => `m${i}`));
    expect(results.map((r) => r.ts)).toEqual(standIn.messages(C).map((m) => m.ts));
    expect(results.every((r) => r.channel === C)).toBe(true);
    expect(statuses(standIn.callsTo("chat.postMessage")).filter((s) => s !== 200)).toEqual([]);
    expect(clock.elapsed()).toBeGreaterThanOrEqual(59_000);
    expect(clock.elapsed()).toBeLessThanOrEqual(61_000);
    expect(outbox.rateLimited).toBe(0);
    expect(outbox.depth).toBe(0);
  });

  it("lets two channels go side by side instead of one after the other", async () => {
    const { standIn, outbox, clock } = await setup();
    await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => outbox.post({ channel: C, text: `c${i}` })),
      ...Array.from({ length: 5 }, (_, i) => outbox.post({ channel: D, text: `d${i}` })),
    ]);

    const order = standIn.callsTo("chat.postMessage").map((c) => c.args.channel);
    expect(order.slice(0, 4).sort()).toEqual([C, C, D, D]);
    expect(standIn.messages(C).map((m) => m.text)).toEqual(["c0", "c1", "c2", "c3", "c4"]);
    expect(standIn.messages(D).map((m) => m.text)).toEqual(["d0", "d1", "d2", "d3", "d4"]);
    expect(clock.elapsed()).toBeLessThan(6_000);
    expect(statuses(standIn.calls).every((s) => s === 200)).toBe(true);
  });

  it("passes thread_ts, reply_broadcast and metadata through", async () => {
    const { standIn, outbox } = await setup();
    const parent = await outbox.post({ channel: C, text: "deploy" });
    const metadata = { event_type: "followup_transition", event_payload: { state: "succeeded" } };
    await outbox.post({ channel: C, text: "done", thread_ts: parent.ts, reply_broadcast: true, metadata });

    expect(standIn.messages(C).map((m) => m.text)).toEqual(["deploy", "done"]);
    expect(standIn.thread(C, parent.ts)[0]).toMatchObject({ metadata, replyBroadcast: true });
  });
});

describe("updates", () => {
  it("coalesces a burst of 30 edits of one message: few calls, last content wins, every caller resolves", async () => {
    const { standIn, outbox } = await setup();
    const { ts } = await outbox.post({ channel: C, text: "v0" });
    const edits = Array.from({ length: 30 }, (_, i) =>
      outbox.update({ channel: C, ts }, { text: `v${i + 1}` }),
    );
    expect(outbox.depth).toBe(2);

    await expect(Promise.all(edits)).resolves.toHaveLength(30);
    const calls = standIn.callsTo("chat.update");
    expect(calls.length).toBeLessThanOrEqual(3);
    expect(calls.at(-1)?.args.text).toBe("v30");
    expect(standIn.messages(C)[0]?.text).toBe("v30");
  });

  it("spreads edits of different messages over the per-minute allowance", async () => {
    const { standIn, outbox, clock } = await setup({ outbox: { updatesPerMinute: 20 } });
    const posted = await Promise.all([0, 1, 2, 3].map((i) => outbox.post({ channel: C, text: `p${i}` })));
    const before = clock.now();
    await Promise.all(posted.map((p, i) => outbox.update({ channel: C, ts: p.ts }, { text: `e${i}` })));

    const times = standIn.callsTo("chat.update").map((c) => c.at - before);
    expect(times).toEqual([0, 3000, 6000, 9000]);
  });

  it("rejects every caller of an edit Slack refuses, with Slack's code", async () => {
    const { outbox } = await setup();
    const target = { channel: C, ts: "1700000000.000001" };
    const results = await Promise.allSettled([
      outbox.update(target, { text: "a" }),
      outbox.update(target, { text: "b" }),
      outbox.update(target, { text: "c" }),
    ]);
    for (const r of results) {
      expect(r).toMatchObject({ status: "rejected", reason: { code: "message_not_found", permanent: true } });
    }
  });
});

describe("failures", () => {
  it("waits out a 429's Retry-After and retries, counting it but not as a failure", async () => {
    const { standIn, outbox, clock } = await setup({ outbox: { maxAttempts: 1 } });
    standIn.inject("chat.postMessage", { kind: "rate_limited", retryAfter: 2 });
    const { ts } = await outbox.post({ channel: C, text: "hello" });
    expect(clock.elapsed()).toBeGreaterThanOrEqual(2000);

    standIn.inject("chat.update", { kind: "rate_limited", retryAfter: 2 }, 2);
    await outbox.update({ channel: C, ts }, { text: "edited" });

    expect(statuses(standIn.callsTo("chat.postMessage"))).toEqual([429, 200]);
    expect(statuses(standIn.callsTo("chat.update"))).toEqual([429, 429, 200]);
    expect(outbox.rateLimited).toBe(3);
    expect(standIn.messages(C)[0]?.text).toBe("edited");
  });

  it("holds only the rate-limited channel", async () => {
    const { standIn, outbox } = await setup();
    standIn.inject("chat.postMessage", { kind: "rate_limited", retryAfter: 30 });
    const slow = outbox.post({ channel: C, text: "held" });
    await outbox.post({ channel: D, text: "free" });
    await slow;
    const order = standIn.calls.map((c) => `${c.args.channel}:${c.status}`);
    expect(order).toEqual([`${C}:429`, `${D}:200`, `${C}:200`]);
  });

  it("retries a post Slack certainly did not take", async () => {
    const { standIn, outbox } = await setup();
    standIn.inject("chat.postMessage", { kind: "error", error: "service_unavailable" }, 2);
    standIn.inject("chat.postMessage", { kind: "error", error: "request_timeout" });

    await expect(outbox.post({ channel: C, text: "eventually" })).resolves.toMatchObject({ channel: C });
    expect(standIn.callsTo("chat.postMessage")).toHaveLength(4);
    expect(standIn.messages(C)).toHaveLength(1);
    expect(outbox.rateLimited).toBe(0);
  });

  it.each<[string, Fault, number]>([
    ["HTTP 503", { kind: "http_error", status: 503 }, 0],
    ["a dropped connection", { kind: "disconnect" }, 0],
    ["ok:false internal_error", { kind: "error", error: "internal_error" }, 0],
    ["an answer cut after Slack posted it", { kind: "truncated_body" }, 1],
    ["an unreadable answer after Slack posted it", { kind: "wrong_shape", body: { ok: "yes" } }, 1],
  ])(
    "looks for a post with metadata after %s, and posts it only if it is not there",
    async (_name, fault, landed) => {
      const { standIn, outbox } = await setup({ lookUp: true });
      const metadata = { event_type: "opsbot_approval", event_payload: { request: "apr_1" } };
      standIn.inject("chat.postMessage", fault);

      const posted = await outbox.post({ channel: C, text: "approve?", metadata });
      const messages = standIn.messages(C);
      expect(messages.map((m) => m.text)).toEqual(["approve?"]);
      expect(posted.ts).toBe(messages[0]?.ts);
      // A post that landed is found and not sent again; one that did not is sent once more.
      expect(standIn.callsTo("chat.postMessage")).toHaveLength(2 - landed);
      expect(standIn.callsTo("conversations.history")).toHaveLength(1);
    },
  );

  it.each<[string, Fault, string]>([
    ["HTTP 502", { kind: "http_error", status: 502 }, "http_502"],
    ["a dropped connection", { kind: "disconnect" }, "request_error"],
    ["an answer cut after Slack posted it", { kind: "truncated_body" }, "request_error"],
  ])(
    "rejects a post without metadata after %s instead of posting it blindly again",
    async (_name, fault, code) => {
      const { standIn, outbox } = await setup({ lookUp: true });
      standIn.inject("chat.postMessage", fault);
      const plain = outbox.post({ channel: C, text: "plain" }, { critical: true });

      await expect(plain).rejects.toMatchObject({
        code,
        outcomeUnknown: true,
        permanent: false,
        attempts: 1,
      });
      expect(standIn.callsTo("chat.postMessage")).toHaveLength(1);
      expect(standIn.callsTo("conversations.history")).toHaveLength(0);
      expect(standIn.messages(C).length).toBe(fault.kind === "truncated_body" ? 1 : 0);
      // The channel's queue goes on.
      await expect(outbox.post({ channel: C, text: "next" })).resolves.toMatchObject({ channel: C });
    },
  );

  it("rejects a permanent error at once with Slack's code, and the channel's queue goes on", async () => {
    const { standIn, outbox } = await setup({
      standIn: { strictChannels: true, channels: [{ id: C, name: "ops" }] },
    });
    const missing = outbox.post({ channel: "C0GONE001", text: "x" });
    const after = outbox.post({ channel: "C0GONE001", text: "y" });
    const fine = outbox.post({ channel: C, text: "ok" });

    await expect(missing).rejects.toBeInstanceOf(SlackOutboxError);
    await expect(missing).rejects.toMatchObject({ code: "channel_not_found", attempts: 1, permanent: true });
    await expect(after).rejects.toMatchObject({ code: "channel_not_found" });
    await expect(fine).resolves.toMatchObject({ channel: C });
    expect(standIn.callsTo("chat.postMessage")).toHaveLength(3);
  });

  it("gives a normal message up after maxAttempts transient failures, but keeps a critical one going", async () => {
    const { standIn, outbox } = await setup({ outbox: { maxAttempts: 3 } });
    standIn.inject("chat.postMessage", { kind: "error", error: "service_unavailable" }, 3);
    await expect(outbox.post({ channel: C, text: "normal" })).rejects.toMatchObject({
      code: "service_unavailable",
      attempts: 3,
      permanent: false,
      outcomeUnknown: false,
    });

    standIn.inject("chat.postMessage", { kind: "error", error: "service_unavailable" }, 8);
    await expect(outbox.post({ channel: C, text: "final" }, { critical: true })).resolves.toBeTruthy();
    expect(statuses(standIn.callsTo("chat.postMessage"))).toHaveLength(12);
    expect(standIn.messages(C).map((m) => m.text)).toEqual(["final"]);
  });
});

describe("flush and stop", () => {
  it("flush waits for everything queued, across rate windows", async () => {
    const { standIn, outbox, clock } = await setup();
    const posts = Array.from({ length: 4 }, (_, i) => outbox.post({ channel: C, text: `m${i}` }));
    expect(outbox.depth).toBe(4);
    await outbox.flush();
    expect(outbox.depth).toBe(0);
    expect(standIn.messages(C)).toHaveLength(4);
    expect(clock.elapsed()).toBeGreaterThanOrEqual(3000);
    await Promise.all(posts);
    // Still open after a flush.
    await expect(outbox.post({ channel: C, text: "more" })).resolves.toBeTruthy();
  });

  it("stop delivers what was queued, then refuses new work", async () => {
    const { standIn, outbox } = await setup();
    const queued = [outbox.post({ channel: C, text: "a" }), outbox.post({ channel: C, text: "b" })];
    const stopping = outbox.stop();
    await expect(outbox.post({ channel: C, text: "late" })).rejects.toMatchObject({ code: "outbox_stopped" });
    await expect(outbox.update({ channel: C, ts: "1700000000.000001" }, { text: "x" })).rejects.toMatchObject(
      {
        code: "outbox_stopped",
      },
    );
    await stopping;
    await expect(Promise.all(queued)).resolves.toHaveLength(2);
    expect(standIn.messages(C).map((m) => m.text)).toEqual(["a", "b"]);
  });

  it("ends a critical message's retries once stop begins", async () => {
    const { standIn, outbox } = await setup({ outbox: { maxAttempts: 2 } });
    standIn.inject("chat.postMessage", { kind: "error", error: "service_unavailable" }, 1000);
    const critical = outbox.post({ channel: C, text: "never" }, { critical: true });
    // Let it fail well past maxAttempts first.
    while (standIn.callsTo("chat.postMessage").length < 5) await new Promise((r) => setTimeout(r, 5));
    await outbox.stop();
    await expect(critical).rejects.toMatchObject({ code: "service_unavailable", permanent: false });
  });
});
