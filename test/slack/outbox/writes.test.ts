import { afterEach, describe, expect, it } from "vitest";
import { type SlackOutbox, SlackOutboxError } from "../../../src/slack/outbox/index.js";
import { outboxPerTest } from "./harness.js";

/**
 * Ephemeral replies, response URL posts and uploads against the Slack stand-in, over HTTP: a real
 * WebClient for the Web API, global fetch for response URLs.
 */

const start = outboxPerTest();
const C = "C0OPS0001";
const ALICE = "U0ALICE01";
const BOB = "U0BOB0001";

let open: SlackOutbox[] = [];
afterEach(async () => {
  await Promise.all(open.map((o) => o.stop()));
  open = [];
});

async function setup(options: Parameters<typeof start>[0] = {}) {
  const ctx = await start({
    ...options,
    standIn: {
      strictChannels: true,
      channels: [{ id: C, name: "ops", members: [ALICE] }],
      ...options.standIn,
    },
  });
  open.push(ctx.outbox);
  return ctx;
}

describe("ephemeral", () => {
  it("shows the reply to its user only, in a thread when asked", async () => {
    const { standIn, outbox } = await setup();
    const parent = await outbox.post({ channel: C, text: "deploy" });
    await outbox.ephemeral({ channel: C, user: ALICE, text: "only you" });
    await outbox.ephemeral({
      channel: C,
      user: ALICE,
      text: "in the thread",
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "*in the thread*" } }],
      thread_ts: parent.ts,
    });

    expect(standIn.ephemerals()).toMatchObject([
      { channel: C, user: ALICE, text: "only you" },
      { channel: C, user: ALICE, text: "in the thread", threadTs: parent.ts, blocks: [{ type: "section" }] },
    ]);
    expect(standIn.messages(C).map((m) => m.text)).toEqual(["deploy"]);
  });

  it("rejects at once someone outside the channel, a channel that is gone, or nothing to show", async () => {
    const { standIn, outbox } = await setup();
    await expect(outbox.ephemeral({ channel: C, user: BOB, text: "x" })).rejects.toMatchObject({
      code: "user_not_in_channel",
      permanent: true,
      attempts: 1,
    });
    await expect(outbox.ephemeral({ channel: "C0GONE001", user: ALICE, text: "x" })).rejects.toMatchObject({
      code: "channel_not_found",
    });
    await expect(outbox.ephemeral({ channel: C, user: ALICE, text: " " })).rejects.toMatchObject({
      code: "no_text",
    });
    expect(standIn.callsTo("chat.postEphemeral")).toHaveLength(3);
    expect(standIn.ephemerals()).toEqual([]);
  });

  it("waits out a 429, but sends nothing again after an answer that never came", async () => {
    const { standIn, outbox, clock } = await setup();
    standIn.inject("chat.postEphemeral", { kind: "rate_limited", retryAfter: 2 });
    await outbox.ephemeral({ channel: C, user: ALICE, text: "later" });
    expect(clock.elapsed()).toBeGreaterThanOrEqual(2_000);

    standIn.inject("chat.postEphemeral", { kind: "truncated_body" });
    const lost = outbox.ephemeral({ channel: C, user: ALICE, text: "lost answer" }, { critical: true });
    await expect(lost).rejects.toBeInstanceOf(SlackOutboxError);
    await expect(lost).rejects.toMatchObject({ outcomeUnknown: true, attempts: 1 });
    // Slack showed it: sending it again would have shown it twice.
    expect(standIn.ephemerals().map((e) => e.text)).toEqual(["later", "lost answer"]);
    expect(standIn.callsTo("chat.postEphemeral").map((c) => c.status)).toEqual([429, 200, 200]);
  });

  it("spaces ephemeral replies over the workspace allowance", async () => {
    const { standIn, outbox } = await setup({ outbox: { ephemeralsPerMinute: 30 } });
    await Promise.all([1, 2, 3].map((i) => outbox.ephemeral({ channel: C, user: ALICE, text: `e${i}` })));
    const [first, ...rest] = standIn.callsTo("chat.postEphemeral").map((c) => c.at);
    expect(rest.map((at) => at - (first ?? 0))).toEqual([2_000, 4_000]);
  });
});

describe("respond", () => {
  it("posts to a response URL: an ephemeral reply, then one in the channel", async () => {
    const { standIn, outbox } = await setup();
    const url = standIn.issueResponseUrl({ channel: C, user: ALICE });
    await outbox.respond(url, { text: "just you" });
    await outbox.respond(url, { text: "everyone", response_type: "in_channel" });

    expect(standIn.responses().map((r) => r.body.text)).toEqual(["just you", "everyone"]);
    expect(standIn.ephemerals().map((e) => e.text)).toEqual(["just you"]);
    expect(standIn.messages(C).map((m) => m.text)).toEqual(["everyone"]);
  });

  it("rejects with expired_url once the URL's five uses are spent", async () => {
    const { standIn, outbox } = await setup();
    const url = standIn.issueResponseUrl({ channel: C, user: ALICE });
    for (let i = 0; i < 5; i++) await outbox.respond(url, { text: `r${i}` });
    await expect(outbox.respond(url, { text: "sixth" })).rejects.toMatchObject({
      code: "expired_url",
      permanent: true,
    });
    expect(standIn.responses()).toHaveLength(5);
  });

  it("waits out a 429 and sends again", async () => {
    const { standIn, outbox, clock } = await setup();
    standIn.inject("response", { kind: "rate_limited", retryAfter: 3 });
    await outbox.respond(standIn.issueResponseUrl({ channel: C, user: ALICE }), { text: "x" });
    expect(clock.elapsed()).toBeGreaterThanOrEqual(3_000);
    expect(standIn.responses()).toHaveLength(1);
    expect(outbox.rateLimited).toBe(1);
  });

  it.each([
    ["HTTP 503", { kind: "http_error", status: 503 } as const, "http_503", 0],
    ["a dropped connection", { kind: "disconnect" } as const, "request_error", 0],
    ["an answer cut after it was posted", { kind: "truncated_body" } as const, "request_error", 1],
  ])("does not send again after %s", async (_name, fault, code, landed) => {
    const { standIn, outbox } = await setup();
    standIn.inject("response", fault);
    const url = standIn.issueResponseUrl({ channel: C, user: ALICE });
    await expect(outbox.respond(url, { text: "once" })).rejects.toMatchObject({ code, outcomeUnknown: true });
    expect(standIn.responses()).toHaveLength(landed);
  });

  it("gives up at its timeout, though Slack may still take the post", async () => {
    const { standIn, outbox } = await setup();
    standIn.inject("response", { kind: "delay", ms: 300 });
    const url = standIn.issueResponseUrl({ channel: C, user: ALICE });
    await expect(outbox.respond(url, { text: "slow" }, { timeoutMs: 50 })).rejects.toMatchObject({
      code: "timeout",
      outcomeUnknown: true,
    });
    // The stand-in carries it out after its delay: why a timed-out post is never sent again.
    while (standIn.responses().length === 0) await new Promise((r) => setTimeout(r, 20));
    expect(standIn.responses().map((r) => r.body.text)).toEqual(["slow"]);
  });
});

describe("upload", () => {
  it("shares a text file in a channel and in a thread", async () => {
    const { standIn, outbox } = await setup();
    const parent = await outbox.post({ channel: C, text: "export" });
    const first = await outbox.upload({ channel: C, filename: "log.txt", title: "Log", content: "line 1\n" });
    const second = await outbox.upload({
      channel: C,
      thread_ts: parent.ts,
      filename: "out.json",
      title: "Output",
      content: '{"a":1}',
    });

    const files = standIn.files();
    expect(files.map((f) => f.id)).toEqual([first.fileId, second.fileId]);
    expect(files[0]).toMatchObject({ filename: "log.txt", title: "Log", channel: C, completed: true });
    expect(files[0]?.bytes?.toString()).toBe("line 1\n");
    expect(files[1]).toMatchObject({ filename: "out.json", title: "Output", threadTs: parent.ts });
  });

  it("waits out a 429 on any step and uploads again, shared once", async () => {
    const { standIn, outbox, clock } = await setup();
    standIn.inject("files.completeUploadExternal", { kind: "rate_limited", retryAfter: 5 });
    const { fileId } = await outbox.upload({ channel: C, filename: "a.txt", title: "A", content: "a" });
    expect(clock.elapsed()).toBeGreaterThanOrEqual(5_000);
    expect(
      standIn
        .files()
        .filter((f) => f.completed)
        .map((f) => f.id),
    ).toEqual([fileId]);
    expect(standIn.callsTo("files.getUploadURLExternal")).toHaveLength(2);
  });

  it("does not upload again after an answer lost on completion", async () => {
    const { standIn, outbox } = await setup();
    standIn.inject("files.completeUploadExternal", { kind: "truncated_body" });
    await expect(
      outbox.upload({ channel: C, filename: "a.txt", title: "A", content: "a" }, { critical: true }),
    ).rejects.toMatchObject({ method: "files.uploadV2", outcomeUnknown: true, attempts: 1 });
    expect(standIn.files().filter((f) => f.completed)).toHaveLength(1);
    expect(standIn.callsTo("files.completeUploadExternal")).toHaveLength(1);
  });

  it("rejects a channel that is gone at once", async () => {
    const { outbox } = await setup();
    await expect(
      outbox.upload({ channel: "C0GONE001", filename: "a.txt", title: "A", content: "a" }),
    ).rejects.toMatchObject({ code: "channel_not_found", permanent: true });
  });

  it("spaces uploads at 20 a minute unless told", async () => {
    const { standIn, outbox } = await setup();
    await Promise.all(
      [1, 2, 3].map((i) =>
        outbox.upload({ channel: C, filename: `${i}.txt`, title: `${i}`, content: `${i}` }),
      ),
    );
    const [first, ...rest] = standIn.callsTo("files.getUploadURLExternal").map((c) => c.at);
    expect(rest.map((at) => at - (first ?? 0))).toEqual([3_000, 6_000]);
  });
});

describe("every kind together", () => {
  it("counts in depth, is waited for by flush and stop, and is refused after stop", async () => {
    const { standIn, outbox } = await setup();
    const url = standIn.issueResponseUrl({ channel: C, user: ALICE });
    const parent = await outbox.post({ channel: C, text: "p" });
    const work = [
      outbox.post({ channel: C, text: "q" }),
      outbox.update({ channel: C, ts: parent.ts }, { text: "p2" }),
      outbox.ephemeral({ channel: C, user: ALICE, text: "e" }),
      outbox.upload({ channel: C, filename: "f.txt", title: "F", content: "f" }),
      outbox.respond(url, { text: "r" }),
    ];
    expect(outbox.depth).toBe(5);
    await outbox.stop();
    expect(outbox.depth).toBe(0);
    await expect(Promise.all(work)).resolves.toHaveLength(5);

    const refused = await Promise.allSettled([
      outbox.post({ channel: C, text: "late" }),
      outbox.update({ channel: C, ts: parent.ts }, { text: "late" }),
      outbox.ephemeral({ channel: C, user: ALICE, text: "late" }),
      outbox.upload({ channel: C, filename: "late.txt", title: "late", content: "late" }),
      outbox.respond(url, { text: "late" }),
    ]);
    expect(
      refused.map((r) => (r.status === "rejected" ? [r.reason.code, r.reason.method] : r.status)),
    ).toEqual([
      ["outbox_stopped", "chat.postMessage"],
      ["outbox_stopped", "chat.update"],
      ["outbox_stopped", "chat.postEphemeral"],
      ["outbox_stopped", "files.uploadV2"],
      ["outbox_stopped", "response_url"],
    ]);
  });
});
