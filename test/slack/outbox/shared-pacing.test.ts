import { describe, expect, it } from "vitest";
import { storePacing } from "../../../src/app/shared-pacing.js";
import { type OutboxMethod, SlackOutbox } from "../../../src/slack/outbox/index.js";
import { storeKinds, useTempStore } from "../../store/helpers.js";

/** When each call reached "Slack", by method, whichever outbox sent it. */
function recorder() {
  const calls: { method: OutboxMethod; at: number; from: string }[] = [];
  let ts = 0;
  const callFrom = (from: string) => async (method: OutboxMethod, args: Record<string, unknown>) => {
    calls.push({ method, at: performance.now(), from });
    ts += 1;
    return { ok: true, ts: `1700000000.${String(ts).padStart(6, "0")}`, channel: String(args.channel) };
  };
  const gaps = (method: OutboxMethod) => {
    const times = calls.filter((call) => call.method === method).map((call) => call.at);
    return times.slice(1).map((at, i) => at - (times[i] ?? at));
  };
  return { calls, callFrom, gaps };
}

describe.each(storeKinds)("two outboxes pacing through one store (%s)", (kind) => {
  const tmp = useTempStore(kind);

  it("never send a channel's posts, or the workspace's edits, faster than one outbox may", async () => {
    const slack = recorder();
    const [first, second] = await Promise.all([tmp.open(), tmp.open()]);
    const outboxes = [first, second].map(
      (store, i) =>
        new SlackOutbox({
          call: slack.callFrom(`replica-${i}`),
          pacing: storePacing(store.pacing),
          // 250 ms apart: short enough for a quick test, long enough to tell from a loaded machine's jitter.
          postPerChannelPerSecond: 4,
          updatesPerMinute: 240,
        }),
    );
    await Promise.all(
      outboxes.flatMap((outbox, i) =>
        Array.from({ length: 5 }, (_, n) => [
          outbox.post({ channel: "C0SHARED", text: `post ${i}.${n}` }),
          outbox.update({ channel: "C0SHARED", ts: `1699999999.00000${i}` }, { text: `edit ${n}` }),
        ]).flat(),
      ),
    );
    expect(new Set(slack.calls.map((call) => call.from))).toEqual(new Set(["replica-0", "replica-1"]));
    for (const method of ["chat.postMessage", "chat.update"] as const) {
      const gaps = slack.gaps(method);
      expect(gaps.length).toBeGreaterThanOrEqual(method === "chat.postMessage" ? 9 : 1);
      // Each outbox alone keeps 250 ms; two with their own pacers would send pairs at once. A call may
      // leave late on a busy machine (a timer fires late), so a gap can shrink, never the pace overall.
      expect(Math.min(...gaps)).toBeGreaterThan(125);
      const span = gaps.reduce((sum, gap) => sum + gap, 0);
      expect(span).toBeGreaterThanOrEqual(gaps.length * 250 - 125);
    }
  });
});
