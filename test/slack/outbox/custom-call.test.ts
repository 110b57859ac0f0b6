import { describe, expect, it } from "vitest";
import { type OutboxCall, SlackOutbox } from "../../../src/slack/outbox/index.js";
import { virtualClock } from "./harness.js";

describe("with a hand-written call", () => {
  it("retries ok:false transient answers and uses real timers when none are injected", async () => {
    const answers = [
      { ok: false, error: "service_unavailable" },
      { ok: true, ts: "1700000000.000001" },
    ];
    const seen: string[] = [];
    const call: OutboxCall = async (method) => {
      seen.push(method);
      return answers.shift() ?? { ok: true, ts: "1700000000.000002" };
    };
    // Backoff with random() = 0 is 250 ms: short enough for real time.
    const outbox = new SlackOutbox({ call, random: () => 0, postPerChannelPerSecond: 50 });
    const started = performance.now();
    await expect(outbox.post({ channel: "C1", text: "x" })).resolves.toEqual({
      ts: "1700000000.000001",
      channel: "C1",
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    await outbox.post({ channel: "C1", text: "y" });
    await outbox.stop();
    expect(seen).toEqual(["chat.postMessage", "chat.postMessage", "chat.postMessage"]);
  });

  it("sends an edit made while the previous one is in flight, newest last", async () => {
    const clock = virtualClock();
    const sent: unknown[] = [];
    let release: () => void = () => {};
    const call: OutboxCall = async (_method, args) => {
      if (sent.length === 0) await new Promise<void>((r) => (release = r));
      sent.push(args.text);
      return { ok: true };
    };
    const outbox = new SlackOutbox({ call, now: clock.now, sleep: clock.sleep });
    const target = { channel: "C1", ts: "1700000000.000001" };
    const first = outbox.update(target, { text: "v1" });
    await new Promise((r) => setImmediate(r));
    const second = outbox.update(target, { text: "v2" });
    const third = outbox.update(target, { text: "v3" });
    release();
    await Promise.all([first, second, third]);
    await outbox.stop();
    expect(sent).toEqual(["v1", "v3"]);
  });

  it("settles the callers of a failed edit with the newer version queued behind it", async () => {
    const clock = virtualClock();
    let release: () => void = () => {};
    let calls = 0;
    const call: OutboxCall = async () => {
      calls += 1;
      if (calls === 1) {
        await new Promise<void>((r) => (release = r));
        return { ok: false, error: "msg_too_long" };
      }
      return { ok: true };
    };
    const outbox = new SlackOutbox({ call, now: clock.now, sleep: clock.sleep });
    const target = { channel: "C1", ts: "1700000000.000001" };
    const tooLong = outbox.update(target, { text: "x".repeat(50_000) });
    await new Promise((r) => setImmediate(r));
    const fixed = outbox.update(target, { text: "short" });
    release();
    await expect(Promise.all([tooLong, fixed])).resolves.toHaveLength(2);
    await outbox.stop();
  });

  it("refuses bad rates", () => {
    const call: OutboxCall = async () => ({ ok: true });
    expect(() => new SlackOutbox({ call, postPerChannelPerSecond: 0 })).toThrow();
    expect(() => new SlackOutbox({ call, maxAttempts: 0 })).toThrow();
  });

  it("does not post again a message whose answer was lost but which Slack posted, found by its metadata", async () => {
    const clock = virtualClock();
    const calls: unknown[] = [];
    let loseNextAnswer = true;
    const call: OutboxCall = async (_method, args) => {
      calls.push(args.text);
      if (loseNextAnswer) {
        // Slack posted it, but the answer never came back whole.
        loseNextAnswer = false;
        throw new Error("socket hang up");
      }
      return { ok: true, ts: `1700000000.00000${calls.length}` };
    };
    const looked: unknown[] = [];
    const outbox = new SlackOutbox({
      call,
      now: clock.now,
      sleep: clock.sleep,
      findPosted: async (args) => {
        looked.push(args.metadata);
        return args.metadata ? "1700000000.000001" : undefined;
      },
    });
    const metadata = { event_type: "opsbot_followup_parent", event_payload: { followup: "fu_1" } };
    await expect(outbox.post({ channel: "C1", text: "parent", metadata })).resolves.toEqual({
      ts: "1700000000.000001",
      channel: "C1",
    });
    expect(calls).toEqual(["parent"]);
    // Without metadata there is nothing to look for, and posting again could post it twice.
    loseNextAnswer = true;
    await expect(outbox.post({ channel: "C1", text: "plain" })).rejects.toMatchObject({
      code: "request_error",
      outcomeUnknown: true,
    });
    expect(calls).toEqual(["parent", "plain"]);
    expect(looked).toEqual([metadata]);
    await outbox.stop();
  });
});
