import { describe, expect, it } from "vitest";
import { clientFor, slackError, standInPerTest } from "../../helpers/standin-client.js";

const start = standInPerTest();
const C = "C0OPS0001";
const meta = (state: string) => ({ event_type: "followup_transition", event_payload: { state } });

describe("conversations.replies", () => {
  it("returns the parent then its replies oldest first, with metadata only when asked", async () => {
    const standIn = await start();
    const client = clientFor(standIn);
    const parent = await client.chat.postMessage({ channel: C, text: "deploy", metadata: meta("started") });
    const thread_ts = parent.ts ?? "";
    await client.chat.postMessage({ channel: C, thread_ts, text: "running", metadata: meta("running") });
    await client.chat.postMessage({ channel: C, thread_ts, text: "done", metadata: meta("succeeded") });

    const plain = await client.conversations.replies({ channel: C, ts: thread_ts });
    expect(plain.messages?.map((m) => [m.text, m.thread_ts])).toEqual([
      ["deploy", thread_ts],
      ["running", thread_ts],
      ["done", thread_ts],
    ]);
    expect(plain.messages?.[0]).toMatchObject({ reply_count: 2, bot_id: standIn.identity.botId });
    expect(plain.messages?.some((m) => "metadata" in m)).toBe(false);

    const full = await client.conversations.replies({
      channel: C,
      ts: thread_ts,
      include_all_metadata: true,
    });
    expect(full.messages?.map((m) => m.metadata?.event_payload)).toEqual([
      { state: "started" },
      { state: "running" },
      { state: "succeeded" },
    ]);
  });

  it("keeps metadata set by chat.update and answers for a reply's ts with the whole thread", async () => {
    const standIn = await start();
    const client = clientFor(standIn);
    const parent = await client.chat.postMessage({ channel: C, text: "v1" });
    const reply = await client.chat.postMessage({ channel: C, text: "r", thread_ts: parent.ts ?? "" });
    await client.chat.update({ channel: C, ts: parent.ts ?? "", text: "v2", metadata: meta("edited") });

    const res = await client.conversations.replies({
      channel: C,
      ts: reply.ts ?? "",
      include_all_metadata: true,
    });
    expect(res.messages?.map((m) => m.ts)).toEqual([parent.ts, reply.ts]);
    expect(res.messages?.[0]).toMatchObject({ text: "v2", metadata: meta("edited") });
    expect(standIn.messages(C)[0]?.metadata).toEqual(meta("edited"));
  });

  it("returns a message without replies on its own, and pages with a cursor", async () => {
    const standIn = await start();
    const client = clientFor(standIn);
    const lone = await client.chat.postMessage({ channel: C, text: "alone" });
    const alone = await client.conversations.replies({ channel: C, ts: lone.ts ?? "" });
    expect(alone.messages).toHaveLength(1);
    expect(alone.messages?.[0]?.thread_ts).toBeUndefined();

    const parent = await client.chat.postMessage({ channel: C, text: "p" });
    const thread_ts = parent.ts ?? "";
    for (const text of ["1", "2", "3", "4"]) await client.chat.postMessage({ channel: C, text, thread_ts });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.conversations.replies({
        channel: C,
        ts: thread_ts,
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...(page.messages ?? []).map((m) => m.text ?? ""));
      cursor = page.response_metadata?.next_cursor || undefined;
      expect(page.has_more).toBe(cursor !== undefined);
    } while (cursor);
    expect(seen).toEqual(["p", "1", "2", "3", "4"]);
  });

  it.each([
    ["no channel", { ts: "1700000000.000001" }, "channel_not_found"],
    ["a channel that is not an ID", { channel: "general", ts: "1700000000.000001" }, "channel_not_found"],
    ["no ts", { channel: C }, "invalid_arguments"],
    ["an unknown ts", { channel: C, ts: "1700000000.000001" }, "thread_not_found"],
    ["a bad cursor", { channel: C, ts: "PARENT", cursor: "garbage" }, "invalid_cursor"],
  ])("answers %s with %s", async (_name, args, error) => {
    const standIn = await start();
    const client = clientFor(standIn);
    const parent = await client.chat.postMessage({ channel: C, text: "p" });
    const resolved = { ...args, ...("ts" in args && args.ts === "PARENT" ? { ts: parent.ts } : {}) };
    expect(await slackError(client.apiCall("conversations.replies", resolved))).toBe(error);
  });

  it("answers not_in_channel for a channel the bot is not in", async () => {
    const standIn = await start({ channels: [{ id: C, name: "ops", isMember: false }] });
    const err = await slackError(
      clientFor(standIn).conversations.replies({ channel: C, ts: "1700000000.000001" }),
    );
    expect(err).toBe("not_in_channel");
  });
});

describe("reply_broadcast and metadata on chat.postMessage", () => {
  it("shows a broadcast reply in the channel as well as in its thread", async () => {
    const standIn = await start();
    const client = clientFor(standIn);
    const parent = await client.chat.postMessage({ channel: C, text: "deploy" });
    const thread_ts = parent.ts ?? "";
    await client.chat.postMessage({ channel: C, thread_ts, text: "quiet step" });
    const loud = await client.chat.postMessage({
      channel: C,
      thread_ts,
      text: "succeeded",
      reply_broadcast: true,
    });

    expect(loud.message).toMatchObject({ subtype: "thread_broadcast", thread_ts });
    expect(standIn.messages(C).map((m) => m.text)).toEqual(["deploy", "succeeded"]);
    expect(standIn.messages(C)[1]).toMatchObject({ replyBroadcast: true, threadTs: thread_ts });
    expect(standIn.thread(C, thread_ts).map((m) => m.text)).toEqual(["quiet step", "succeeded"]);
  });

  it("ignores reply_broadcast outside a thread", async () => {
    const standIn = await start();
    // Typed clients forbid it; a raw call shows what Slack does with it.
    await clientFor(standIn).apiCall("chat.postMessage", { channel: C, text: "top", reply_broadcast: true });
    expect(standIn.messages(C)[0]?.replyBroadcast).toBeUndefined();
  });

  it("refuses metadata without an event_type", async () => {
    const standIn = await start();
    const call = clientFor(standIn).apiCall("chat.postMessage", {
      channel: C,
      text: "x",
      metadata: { event_payload: {} },
    });
    expect(await slackError(call)).toBe("invalid_metadata_format");
  });
});

describe("rate limits for the outbox's methods", () => {
  it("limits chat.update to Tier 3 across channels with a 429 and Retry-After, as Slack does", async () => {
    let now = 1_700_000_000_000;
    const standIn = await start({ rateLimits: { perMinute: { "chat.update": 2 } }, clock: () => now });
    const client = clientFor(standIn, { rejectRateLimitedCalls: true });
    const a = await client.chat.postMessage({ channel: C, text: "a" });
    const b = await client.chat.postMessage({ channel: "C0OPS0002", text: "b" });
    await client.chat.update({ channel: C, ts: a.ts ?? "", text: "a1" });
    await client.chat.update({ channel: "C0OPS0002", ts: b.ts ?? "", text: "b1" });
    await expect(client.chat.update({ channel: C, ts: a.ts ?? "", text: "a2" })).rejects.toMatchObject({
      retryAfter: 30,
    });
    const [limited] = standIn.callsTo("chat.update").filter((c) => c.status === 429);
    expect(limited?.response).toEqual({ ok: false, error: "ratelimited" });
    now += 30_000;
    await expect(client.chat.update({ channel: C, ts: a.ts ?? "", text: "a2" })).resolves.toMatchObject({
      ok: true,
    });
  });

  it("counts conversations.replies as Tier 3 (50 a minute)", async () => {
    const standIn = await start({ rateLimits: true, clock: () => 0 });
    const client = clientFor(standIn, { rejectRateLimitedCalls: true });
    const parent = await client.chat.postMessage({ channel: C, text: "p" });
    for (let i = 0; i < 50; i++) await client.conversations.replies({ channel: C, ts: parent.ts ?? "" });
    await expect(client.conversations.replies({ channel: C, ts: parent.ts ?? "" })).rejects.toMatchObject({
      retryAfter: 2,
    });
  });
});

describe("conversations.history", () => {
  it("returns the channel newest first, broadcast replies included, metadata only when asked, in pages", async () => {
    const standIn = await start();
    const client = clientFor(standIn);
    const first = await client.chat.postMessage({ channel: C, text: "one", metadata: meta("a") });
    await client.chat.postMessage({ channel: C, text: "hidden reply", thread_ts: first.ts ?? "" });
    await client.chat.postMessage({
      channel: C,
      text: "broadcast",
      thread_ts: first.ts ?? "",
      reply_broadcast: true,
    });
    await client.chat.postMessage({ channel: C, text: "three", metadata: meta("c") });

    const plain = await client.conversations.history({ channel: C });
    expect(plain.messages?.map((m) => m.text)).toEqual(["three", "broadcast", "one"]);
    expect(plain.messages?.some((m) => "metadata" in m)).toBe(false);

    const page1 = await client.conversations.history({ channel: C, limit: 2, include_all_metadata: true });
    expect(page1.messages?.map((m) => m.text)).toEqual(["three", "broadcast"]);
    expect(page1.messages?.[0]?.metadata).toEqual(meta("c"));
    expect(page1.has_more).toBe(true);
    const page2 = await client.conversations.history({
      channel: C,
      limit: 2,
      cursor: page1.response_metadata?.next_cursor ?? "",
    });
    expect(page2.messages?.map((m) => m.text)).toEqual(["one"]);
    expect(page2.has_more).toBe(false);

    const newer = await client.conversations.history({ channel: C, oldest: first.ts ?? "" });
    expect(newer.messages?.map((m) => m.text)).toEqual(["three", "broadcast"]);
    expect(await slackError(client.conversations.history({ channel: "#nowhere" }))).toBe("channel_not_found");
  });
});
