import { webApi } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import { clientFor, slackError, standInPerTest } from "../../helpers/standin-client.js";

const start = standInPerTest();
const C = "C0OPS0001";

describe("files: the filesUploadV2 sequence", () => {
  it("uploads content end to end and shares it in a thread with a comment", async () => {
    const standIn = await start();
    const client = clientFor(standIn);
    const parent = await client.chat.postMessage({ channel: C, text: "logs follow" });
    const res = await client.filesUploadV2({
      channel_id: C,
      thread_ts: parent.ts ?? "",
      initial_comment: "last 100 lines",
      filename: "pipeline.log",
      title: "Pipeline log",
      content: "line 1\nline 2\n",
    });

    expect(standIn.calls.map((c) => c.method)).toEqual([
      "chat.postMessage",
      "files.getUploadURLExternal",
      "files.completeUploadExternal",
    ]);
    expect(standIn.callsTo("files.getUploadURLExternal")[0]?.args).toMatchObject({
      filename: "pipeline.log",
      length: "14",
    });
    const [file] = standIn.files();
    expect(file).toMatchObject({
      filename: "pipeline.log",
      title: "Pipeline log",
      completed: true,
      channel: C,
    });
    expect(file?.bytes?.toString("utf8")).toBe("line 1\nline 2\n");
    expect(res.files).toHaveLength(1);
    const [reply] = standIn.thread(C, parent.ts ?? "");
    expect(reply).toMatchObject({ text: "last 100 lines", fileIds: [file?.id] });
  });

  it("hands out upload URLs served by the stand-in itself", async () => {
    const standIn = await start();
    const res = await clientFor(standIn).files.getUploadURLExternal({ filename: "a.txt", length: 3 });
    expect(res.upload_url?.startsWith(`${standIn.origin}/upload/v1/`)).toBe(true);

    const upload = await fetch(res.upload_url ?? "", { method: "POST", body: "abc" });
    expect(upload.status).toBe(200);
    expect(standIn.files()[0]?.bytes?.toString()).toBe("abc");
    const unknown = await fetch(`${standIn.origin}/upload/v1/F0NOPE`, { method: "POST", body: "abc" });
    expect(unknown.status).toBe(404);
  });

  it("uploads a Buffer without sharing it anywhere", async () => {
    const standIn = await start();
    await clientFor(standIn).filesUploadV2({ filename: "report.bin", file: Buffer.from([0, 1, 2, 255]) });
    const [file] = standIn.files();
    expect([...(file?.bytes ?? [])]).toEqual([0, 1, 2, 255]);
    expect(file?.channel).toBeUndefined();
    expect(standIn.messages(C)).toEqual([]);
  });

  it("refuses to complete a file whose bytes never arrived", async () => {
    const standIn = await start();
    const client = clientFor(standIn);
    const { file_id } = await client.files.getUploadURLExternal({ filename: "a.txt", length: 3 });
    const complete = client.files.completeUploadExternal({ files: [{ id: file_id ?? "" }] });
    expect(await slackError(complete)).toBe("file_not_found");
  });

  it("fails filesUploadV2 when the upload URL answers 500", async () => {
    const standIn = await start();
    standIn.inject("upload", { kind: "http_error", status: 500 });
    const upload = clientFor(standIn).filesUploadV2({ filename: "a.txt", content: "abc" });
    await expect(upload).rejects.toBeInstanceOf(webApi.WebAPIHTTPError);
    await expect(upload).rejects.toMatchObject({ statusCode: 500 });
    expect(standIn.callsTo("files.completeUploadExternal")).toEqual([]);
  });
});

describe("directory methods", () => {
  const options = {
    users: [
      { id: "U0ALICE", name: "alice", realName: "Alice Liddell", email: "alice@example.com" },
      { id: "U0BOB", name: "bob" },
    ],
    userGroups: [{ id: "S0ONCALL", handle: "oncall", users: ["U0ALICE"] }],
    channels: [{ id: C, name: "ops", isPrivate: true }],
  };

  it("answers auth.test with the bot identity", async () => {
    const standIn = await start({ identity: { botUserId: "U0MYBOT", botId: "B0MYBOT" } });
    expect(await clientFor(standIn).auth.test()).toMatchObject({
      ok: true,
      user_id: "U0MYBOT",
      bot_id: "B0MYBOT",
      team_id: standIn.identity.teamId,
    });
  });

  it("answers users.info and users.lookupByEmail from the directory", async () => {
    const standIn = await start(options);
    const client = clientFor(standIn);
    const info = await client.users.info({ user: "U0ALICE" });
    expect(info.user).toMatchObject({
      id: "U0ALICE",
      name: "alice",
      real_name: "Alice Liddell",
      profile: { email: "alice@example.com" },
    });
    const byEmail = await client.users.lookupByEmail({ email: "ALICE@example.com" });
    expect(byEmail.user?.id).toBe("U0ALICE");
    expect(await slackError(client.users.info({ user: "U0NOBODY" }))).toBe("user_not_found");
    expect(await slackError(client.users.lookupByEmail({ email: "bob@example.com" }))).toBe(
      "users_not_found",
    );
  });

  it("answers usergroups.users.list and conversations.info", async () => {
    const standIn = await start(options);
    const client = clientFor(standIn);
    expect((await client.usergroups.users.list({ usergroup: "S0ONCALL" })).users).toEqual(["U0ALICE"]);
    expect(await slackError(client.usergroups.users.list({ usergroup: "S0NOPE" }))).toBe("no_such_subteam");
    const info = await client.conversations.info({ channel: C });
    expect(info.channel).toMatchObject({ id: C, name: "ops", is_private: true, is_member: true });
    expect(await slackError(client.conversations.info({ channel: "C0NOPE" }))).toBe("channel_not_found");
  });

  it("answers unknown_method for anything it does not implement", async () => {
    const standIn = await start();
    expect(await slackError(clientFor(standIn).apiCall("reactions.add", { name: "eyes" }))).toBe(
      "unknown_method",
    );
    expect(await slackError(clientFor(standIn).apiCall("toString"))).toBe("unknown_method");
  });
});
