import type { types } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import { clientFor, slackError, standInPerTest } from "../../helpers/standin-client.js";

const start = standInPerTest();
const C = "C0OPS0001";

const section = (text: string): types.SectionBlock => ({ type: "section", text: { type: "mrkdwn", text } });

describe("chat.postMessage", () => {
  it("stores the message, returns its ts and records the call with blocks decoded", async () => {
    const standIn = await start();
    const res = await clientFor(standIn).chat.postMessage({
      channel: C,
      text: "hi",
      blocks: [section("*hi*")],
    });

    expect(res.ok).toBe(true);
    expect(res.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(res.message?.bot_id).toBe(standIn.identity.botId);
    expect(standIn.messages(C)).toEqual([expect.objectContaining({ ts: res.ts, text: "hi" })]);
    const [call] = standIn.callsTo("chat.postMessage");
    expect(call?.args).toMatchObject({ channel: C, text: "hi", blocks: [section("*hi*")] });
    expect(call?.args).not.toHaveProperty("token");
  });

  it("keeps thread replies apart from the channel, and files a reply to a reply under the parent", async () => {
    const standIn = await start();
    const client = clientFor(standIn);
    const parent = await client.chat.postMessage({ channel: C, text: "deploy started" });
    const reply = await client.chat.postMessage({ channel: C, text: "step 1", thread_ts: parent.ts ?? "" });
    await client.chat.postMessage({ channel: C, text: "step 2", thread_ts: reply.ts ?? "" });

    expect(standIn.messages(C).map((m) => m.text)).toEqual(["deploy started"]);
    expect(standIn.thread(C, parent.ts ?? "").map((m) => m.text)).toEqual(["step 1", "step 2"]);
  });

  it("gives strictly increasing timestamps even when the clock stands still", async () => {
    const standIn = await start({ clock: () => 1_700_000_000_000 });
    const client = clientFor(standIn);
    const a = await client.chat.postMessage({ channel: C, text: "a" });
    const b = await client.chat.postMessage({ channel: C, text: "b" });
    expect([a.ts, b.ts]).toEqual(["1700000000.000000", "1700000000.000001"]);
  });

  it.each([
    ["no text and no blocks", { channel: C }, "no_text"],
    ["blank text", { channel: C, text: "  " }, "no_text"],
    ["a malformed thread_ts", { channel: C, text: "x", thread_ts: "12.3" }, "invalid_thread_ts"],
    [
      "a thread that does not exist",
      { channel: C, text: "x", thread_ts: "1700000000.000001" },
      "thread_not_found",
    ],
    ["a channel that is not an ID", { channel: "general", text: "x" }, "channel_not_found"],
    ["blocks that are not a JSON array", { channel: C, text: "x", blocks: "[{" }, "invalid_blocks_format"],
    [
      "51 blocks",
      { channel: C, text: "x", blocks: Array.from({ length: 51 }, () => section("s")) },
      "invalid_blocks",
    ],
  ])("refuses %s", async (_name, args, error) => {
    const standIn = await start();
    expect(await slackError(clientFor(standIn).apiCall("chat.postMessage", args))).toBe(error);
    expect(standIn.messages(C)).toEqual([]);
  });

  it("reports a Block Kit limit with Slack's json-pointer message", async () => {
    const standIn = await start();
    const call = clientFor(standIn).chat.postMessage({
      channel: C,
      text: "x",
      blocks: [section("a".repeat(3001))],
    });
    await expect(call).rejects.toMatchObject({
      data: {
        error: "invalid_blocks",
        response_metadata: { messages: [expect.stringContaining("[json-pointer:/blocks/0/text/text]")] },
      },
    });
  });

  it("answers msg_blocks_too_long when the blocks' text adds up past the aggregate limit", async () => {
    const standIn = await start();
    const blocks = Array.from({ length: 5 }, () => section("a".repeat(2900)));
    expect(await slackError(clientFor(standIn).chat.postMessage({ channel: C, text: "x", blocks }))).toBe(
      "msg_blocks_too_long",
    );
  });

  it("checks known channels for archive and membership, and unknown ones only when strict", async () => {
    const standIn = await start({
      strictChannels: true,
      channels: [
        { id: "C0ARCHIVED", name: "old", isArchived: true },
        { id: "C0OUTSIDE", name: "elsewhere", isMember: false },
        { id: C, name: "ops" },
      ],
    });
    const client = clientFor(standIn);
    expect(await slackError(client.chat.postMessage({ channel: "C0ARCHIVED", text: "x" }))).toBe(
      "is_archived",
    );
    expect(await slackError(client.chat.postMessage({ channel: "C0OUTSIDE", text: "x" }))).toBe(
      "not_in_channel",
    );
    expect(await slackError(client.chat.postMessage({ channel: "C0UNKNOWN", text: "x" }))).toBe(
      "channel_not_found",
    );
    const byName = await client.chat.postMessage({ channel: "#ops", text: "by name" });
    expect(byName.channel).toBe(C);
  });

  it("posts to a user ID as the bot's DM with that user", async () => {
    const standIn = await start();
    const res = await clientFor(standIn).chat.postMessage({ channel: "U0ALICE", text: "psst" });
    expect(res.channel).toBe("D0ALICE");
    expect(standIn.messages("D0ALICE")).toHaveLength(1);
  });
});

describe("chat.update, chat.delete, chat.postEphemeral", () => {
  it("updates an existing message in place, keeping blocks unless new ones are given", async () => {
    const standIn = await start();
    const client = clientFor(standIn);
    const posted = await client.chat.postMessage({
      channel: C,
      text: "pending",
      blocks: [section("pending")],
    });
    const ts = posted.ts ?? "";
    const updated = await client.chat.update({ channel: C, ts, text: "done" });

    expect(updated.ts).toBe(ts);
    expect(standIn.messages(C)).toEqual([
      expect.objectContaining({ ts, text: "done", blocks: [section("pending")], edited: expect.any(String) }),
    ]);
    await client.chat.update({ channel: C, ts, blocks: [] });
    expect(standIn.messages(C)[0]).toMatchObject({ text: "done" });
    expect(standIn.messages(C)[0]?.blocks).toBeUndefined();
    expect(await slackError(client.apiCall("chat.update", { channel: C, ts }))).toBe("no_text");
  });

  it("answers message_not_found for a message that is not there", async () => {
    const standIn = await start();
    const client = clientFor(standIn);
    expect(await slackError(client.chat.update({ channel: C, ts: "1700000000.000001", text: "x" }))).toBe(
      "message_not_found",
    );
    expect(await slackError(client.chat.delete({ channel: C, ts: "1700000000.000001" }))).toBe(
      "message_not_found",
    );
  });

  it("deletes a message", async () => {
    const standIn = await start();
    const client = clientFor(standIn);
    const posted = await client.chat.postMessage({ channel: C, text: "oops" });
    await client.chat.delete({ channel: C, ts: posted.ts ?? "" });
    expect(standIn.messages(C)).toEqual([]);
  });

  it("keeps ephemeral messages apart, and checks the user is known and in the channel", async () => {
    const standIn = await start({
      users: [
        { id: "U0ALICE", name: "alice" },
        { id: "U0BOB", name: "bob" },
      ],
      channels: [{ id: C, name: "ops", members: ["U0ALICE"] }],
    });
    const client = clientFor(standIn);
    const res = await client.chat.postEphemeral({ channel: C, user: "U0ALICE", text: "only you" });

    expect(res.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(standIn.ephemerals()).toEqual([expect.objectContaining({ user: "U0ALICE", text: "only you" })]);
    expect(standIn.messages(C)).toEqual([]);
    expect(await slackError(client.chat.postEphemeral({ channel: C, user: "U0BOB", text: "x" }))).toBe(
      "user_not_in_channel",
    );
    expect(await slackError(client.chat.postEphemeral({ channel: C, user: "U0NOBODY", text: "x" }))).toBe(
      "user_not_found",
    );
  });
});
