import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { Metrics } from "../../../src/app/metrics/index.js";
import { QUEUE_FULL, wasShed } from "../../../src/core/ports.js";
import type { SlackOutbox, SlackOutboxOptions } from "../../../src/slack/outbox/index.js";
import type { ShedKind } from "../../../src/slack/outbox/types.js";
import { outboxPerTest } from "./harness.js";

const start = outboxPerTest();
const C = "C0OPS0001";
const D = "C0OPS0002";

let open: SlackOutbox[] = [];
afterEach(async () => {
  await Promise.all(open.map((o) => o.stop()));
  open = [];
});

/** The outbox's log lines, parsed as pino writes them. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: pino({ level: "warn" }, stream) };
}

async function setup(outbox: Partial<SlackOutboxOptions>) {
  const { lines, logger } = capturedLogger();
  const shed: ShedKind[] = [];
  const ctx = await start({ outbox: { logger, onShed: (kind) => shed.push(kind), ...outbox } });
  open.push(ctx.outbox);
  return { ...ctx, lines, shed };
}

/** A settled promise's outcome, for comparing many at once. */
const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => "sent",
    (error: unknown) => (wasShed(error) ? "shed" : `failed: ${String(error)}`),
  );

const texts = (messages: readonly { text?: string }[]) => messages.map((m) => m.text);

describe("the per-channel cap", () => {
  it("skips new progress at the cap, makes room for other writes by shedding the oldest waiting progress, and queues a critical write beyond it", async () => {
    const { standIn, outbox, lines, shed } = await setup({ maxQueuedPerChannel: 4 });
    // p0 goes out at once (in flight); p1..p3 wait: the channel holds 4.
    const progress = [0, 1, 2, 3].map((n) => outbox.post({ channel: C, text: `p${n}` }, { progress: true }));
    const writes = [
      outbox.post({ channel: C, text: "p4" }, { progress: true }), // skipped
      outbox.post({ channel: C, text: "reply" }), // p1 makes room
      outbox.post({ channel: C, text: "final" }, { critical: true }), // p2 makes room
      outbox.post({ channel: C, text: "card" }), // p3 makes room
      outbox.post({ channel: C, text: "late" }), // no progress left: refused, the card kept
      outbox.post({ channel: C, text: "last" }, { critical: true }), // queued beyond the cap
    ];
    const outcomes = await Promise.all([...progress, ...writes].map(outcome));

    expect(outcomes).toEqual([
      "sent",
      "shed",
      "shed",
      "shed",
      "shed",
      "sent",
      "sent",
      "sent",
      "shed",
      "sent",
    ]);
    // In order, with what was shed left out.
    expect(texts(standIn.messages(C))).toEqual(["p0", "reply", "final", "card", "last"]);
    expect(shed).toEqual(["progress", "progress", "progress", "progress", "message"]);
    expect(outbox.shed).toBe(5);
    const warnings = lines.filter((line) => String(line.msg).startsWith("slack queue full"));
    expect(warnings.map((line) => line.msg)).toEqual([
      "slack queue full: a progress update was skipped",
      "slack queue full: a progress update was skipped",
      "slack queue full: a progress update was skipped",
      "slack queue full: a progress update was skipped",
      "slack queue full: a write was refused",
      "slack queue full: a critical write is queued beyond the cap",
    ]);
    expect(warnings[0]).toMatchObject({
      level: 40,
      shed: "progress",
      method: "chat.postMessage",
      channel: C,
      full: "channel",
      queuedInChannel: 4,
      queued: 4,
      caps: { perChannel: 4, total: 5_000 },
    });
    // Never the message's text.
    expect(JSON.stringify(warnings)).not.toContain("p4");
    expect(outbox.depth).toBe(0);
  });

  it("refuses with queue_full, an error that says nothing was sent", async () => {
    const { outbox } = await setup({ maxQueuedPerChannel: 1 });
    const first = outbox.post({ channel: C, text: "first" });
    await expect(outbox.post({ channel: C, text: "second" }, { progress: true })).rejects.toMatchObject({
      name: "SlackOutboxError",
      code: QUEUE_FULL,
      permanent: true,
      attempts: 0,
      outcomeUnknown: false,
    });
    await first;
  });

  it("leaves other channels alone", async () => {
    const { standIn, outbox, shed } = await setup({ maxQueuedPerChannel: 2 });
    const sent = await Promise.all(
      [
        ...[0, 1, 2].map((n) => outbox.post({ channel: C, text: `c${n}` }, { progress: true })),
        ...[0, 1].map((n) => outbox.post({ channel: D, text: `d${n}` }, { progress: true })),
      ].map(outcome),
    );
    expect(sent).toEqual(["sent", "sent", "shed", "sent", "sent"]);
    expect(texts(standIn.messages(D))).toEqual(["d0", "d1"]);
    expect(shed).toEqual(["progress"]);
  });

  it("counts a message's pending edit once, however many are coalesced into it, and sheds a progress edit of another", async () => {
    const { standIn, outbox } = await setup({ maxQueuedPerChannel: 2 });
    const a = await outbox.post({ channel: C, text: "a" });
    const b = await outbox.post({ channel: C, text: "b" });
    const c = await outbox.post({ channel: C, text: "c" });
    const edits = [
      outbox.update(a, { text: "a1" }, { progress: true }), // in flight
      outbox.update(b, { text: "b1" }, { progress: true }), // waiting
      outbox.update(b, { text: "b2" }, { progress: true }), // joins b1
      outbox.update(c, { text: "c1" }, { progress: true }), // a third message: over the cap
    ];
    expect(await Promise.all(edits.map(outcome))).toEqual(["sent", "sent", "sent", "shed"]);
    expect(texts(standIn.messages(C))).toEqual(["a1", "b2", "c"]);
  });

  it("lets a critical edit take a waiting progress edit's place", async () => {
    const { standIn, outbox, shed } = await setup({ maxQueuedPerChannel: 2 });
    const a = await outbox.post({ channel: C, text: "a" });
    const b = await outbox.post({ channel: C, text: "b" });
    const c = await outbox.post({ channel: C, text: "c" });
    const edits = [
      outbox.update(a, { text: "a1" }, { progress: true }),
      outbox.update(b, { text: "b1" }, { progress: true }),
      outbox.update(c, { text: "c done" }, { critical: true }),
    ];
    expect(await Promise.all(edits.map(outcome))).toEqual(["sent", "shed", "sent"]);
    expect(texts(standIn.messages(C))).toEqual(["a1", "b", "c done"]);
    expect(shed).toEqual(["progress"]);
  });
});

describe("the overall cap", () => {
  it("sheds waiting progress in any channel to make room, and counts each shed in the metric", async () => {
    const metrics = new Metrics({ processMetrics: false });
    const { standIn, outbox, lines } = await setup({ maxQueued: 3, onShed: metrics.observeSlackShed });
    const writes = [
      outbox.post({ channel: D, text: "d0" }, { progress: true }), // in flight
      outbox.post({ channel: D, text: "d1" }, { progress: true }), // waiting
      outbox.post({ channel: C, text: "c0" }), // in flight
      outbox.post({ channel: C, text: "c1" }), // full: d1 makes room
      outbox.post({ channel: C, text: "c2" }, { progress: true }), // full: skipped
    ];
    expect(await Promise.all(writes.map(outcome))).toEqual(["sent", "shed", "sent", "sent", "shed"]);
    expect(texts(standIn.messages(D))).toEqual(["d0"]);
    expect(texts(standIn.messages(C))).toEqual(["c0", "c1"]);
    expect(lines.filter((line) => line.shed === "progress").map((line) => [line.channel, line.full])).toEqual(
      [
        [D, "all"],
        [C, "all"],
      ],
    );
    expect(await metrics.render()).toContain('opsbot_slack_queue_shed_total{kind="progress"} 2');
  });
});

describe("the retry budget", () => {
  it("drops a write, critical or not, whose 429s outlast it, with a warning and a count", async () => {
    const metrics = new Metrics({ processMetrics: false });
    const shedKinds: ShedKind[] = [];
    const { standIn, outbox, clock, lines } = await setup({
      retryBudgetMs: 60_000,
      onShed: (kind) => {
        shedKinds.push(kind);
        metrics.observeSlackShed(kind);
      },
    });
    standIn.inject("chat.postMessage", { kind: "rate_limited", retryAfter: 25 }, 100);
    await expect(outbox.post({ channel: C, text: "x" }, { critical: true })).rejects.toMatchObject({
      code: "retry_budget_exhausted",
      permanent: false,
    });
    // 25 s, 50 s; a third wait would end at 75 s, past the minute.
    expect(standIn.callsTo("chat.postMessage")).toHaveLength(3);
    expect(clock.elapsed()).toBeLessThanOrEqual(60_000);
    expect(shedKinds).toEqual(["retry_budget"]);
    expect(
      lines.find((line) => line.msg === "slack rate limited past the retry budget; dropped"),
    ).toMatchObject({
      method: "chat.postMessage",
      channel: C,
      attempts: 3,
      budgetMs: 60_000,
    });
    expect(await metrics.render()).toContain('opsbot_slack_queue_shed_total{kind="retry_budget"} 1');
    // The next write on the lane goes once the stand-in stops refusing.
    standIn.clearFaults();
    await outbox.post({ channel: C, text: "y" });
    expect(texts(standIn.messages(C))).toEqual(["y"]);
  });

  it("leaves a write alone that gets through within it", async () => {
    const { standIn, outbox, shed } = await setup({ retryBudgetMs: 60_000 });
    standIn.inject("chat.postMessage", { kind: "rate_limited", retryAfter: 25 }, 2);
    await outbox.post({ channel: C, text: "x" });
    expect(texts(standIn.messages(C))).toEqual(["x"]);
    expect(shed).toEqual([]);
  });
});
