import { webApi } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import type { StandInEvent } from "../../../devkit/slack-standin/index.js";
import { clientFor, slackError, standInPerTest } from "../../helpers/standin-client.js";

const start = standInPerTest();
const C = "C0OPS0001";

describe("auth", () => {
  it("answers invalid_auth for another token and not_authed for none, and records both", async () => {
    const standIn = await start({ token: "xoxb-right" });
    expect(await slackError(clientFor(standIn, {}, "xoxb-wrong").auth.test())).toBe("invalid_auth");
    expect(await slackError(clientFor(standIn, {}, null).auth.test())).toBe("not_authed");
    await expect(clientFor(standIn).auth.test()).resolves.toMatchObject({ ok: true });
    expect(standIn.calls.map((c) => c.response.error ?? "ok")).toEqual(["invalid_auth", "not_authed", "ok"]);
  });
});

describe("wire formats", () => {
  async function post(url: string, token: string, contentType: string, body: string | FormData) {
    const headers = {
      authorization: `Bearer ${token}`,
      ...(contentType ? { "content-type": contentType } : {}),
    };
    return (await fetch(url, { method: "POST", headers, body })).json();
  }

  it("accepts JSON bodies and decodes JSON-encoded form fields", async () => {
    const standIn = await start();
    const blocks = [{ type: "divider" }];
    const json = await post(
      `${standIn.url}chat.postMessage`,
      standIn.token,
      "application/json",
      JSON.stringify({
        channel: C,
        text: "json",
        blocks,
      }),
    );
    const form = new URLSearchParams({ channel: C, text: "form", blocks: JSON.stringify(blocks) }).toString();
    const urlencoded = await post(
      `${standIn.url}chat.postMessage`,
      standIn.token,
      "application/x-www-form-urlencoded; charset=utf-8",
      form,
    );
    expect([json, urlencoded]).toMatchObject([{ ok: true }, { ok: true }]);
    expect(standIn.calls.map((c) => c.args.blocks)).toEqual([blocks, blocks]);
  });

  it("accepts multipart bodies and answers invalid_json for a broken JSON body", async () => {
    const standIn = await start();
    const multipart = new FormData();
    multipart.append("channel", C);
    multipart.append("text", "multipart");
    expect(await post(`${standIn.url}chat.postMessage`, standIn.token, "", multipart)).toMatchObject({
      ok: true,
    });
    expect(await post(`${standIn.url}chat.postMessage`, standIn.token, "application/json", "{")).toEqual({
      ok: false,
      error: "invalid_json",
    });
  });
});

describe("injected faults", () => {
  it("answers 429 with Retry-After, which web-api turns into WebAPIRateLimitedError", async () => {
    const standIn = await start();
    standIn.inject("chat.postMessage", { kind: "rate_limited", retryAfter: 7 });
    const client = clientFor(standIn, { rejectRateLimitedCalls: true });
    const call = client.chat.postMessage({ channel: C, text: "x" });
    await expect(call).rejects.toBeInstanceOf(webApi.WebAPIRateLimitedError);
    await expect(call).rejects.toMatchObject({ retryAfter: 7 });
    // Only the next call was faulted.
    await expect(client.chat.postMessage({ channel: C, text: "x" })).resolves.toMatchObject({ ok: true });
  });

  it("answers a 5xx, an ok:false error and a dropped connection as asked, `times` times", async () => {
    const standIn = await start();
    const client = clientFor(standIn);
    standIn.inject("auth.test", { kind: "http_error", status: 503 }, 2);
    standIn.inject("users.info", { kind: "error", error: "fatal_error", extra: { detail: "boom" } });
    standIn.inject("conversations.info", { kind: "disconnect" });

    for (let i = 0; i < 2; i++) {
      await expect(client.auth.test()).rejects.toMatchObject({ statusCode: 503 });
    }
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
    await expect(client.users.info({ user: "U1" })).rejects.toMatchObject({
      data: { error: "fatal_error", detail: "boom" },
    });
    await expect(client.conversations.info({ channel: C })).rejects.toBeInstanceOf(webApi.WebAPIRequestError);
    expect(standIn.callsTo("conversations.info")[0]?.status).toBe(0);
  });

  it("delays a call and then answers it normally", async () => {
    const standIn = await start();
    standIn.inject("*", { kind: "delay", ms: 150 });
    const started = performance.now();
    await expect(clientFor(standIn).auth.test()).resolves.toMatchObject({ ok: true });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("times a slow call out on the client side", async () => {
    const standIn = await start();
    standIn.inject("auth.test", { kind: "delay", ms: 500 });
    await expect(clientFor(standIn, { timeout: 100 }).auth.test()).rejects.toBeInstanceOf(
      webApi.WebAPIRequestError,
    );
  });
});

describe("rate limits", () => {
  it("lets a burst of posts through per channel, then answers 429 until time passes", async () => {
    let now = 1_700_000_000_000;
    const standIn = await start({
      rateLimits: { postMessageBurst: 3, postMessagePerSecond: 1 },
      clock: () => now,
    });
    const client = clientFor(standIn, { rejectRateLimitedCalls: true });
    for (let i = 0; i < 3; i++) await client.chat.postMessage({ channel: C, text: `m${i}` });

    const limited = client.chat.postMessage({ channel: C, text: "one too many" });
    await expect(limited).rejects.toMatchObject({ retryAfter: 1 });
    await expect(
      client.chat.postMessage({ channel: "C0OTHER", text: "other channel" }),
    ).resolves.toBeTruthy();
    now += 1000;
    await expect(client.chat.postMessage({ channel: C, text: "later" })).resolves.toMatchObject({ ok: true });
    expect(standIn.callsTo("chat.postMessage").map((c) => c.status)).toEqual([200, 200, 200, 429, 200, 200]);
  });

  it("limits other methods per minute, with per-method overrides", async () => {
    const standIn = await start({ rateLimits: { perMinute: { "users.info": 2 } }, clock: () => 0 });
    const client = clientFor(standIn, { rejectRateLimitedCalls: true });
    await slackError(client.users.info({ user: "U1" }));
    await slackError(client.users.info({ user: "U1" }));
    await expect(client.users.info({ user: "U1" })).rejects.toMatchObject({ retryAfter: 30 });
  });

  it("does not limit unless asked", async () => {
    const standIn = await start({ clock: () => 0 });
    const client = clientFor(standIn);
    for (let i = 0; i < 10; i++) await client.chat.postMessage({ channel: C, text: `m${i}` });
    expect(standIn.messages(C)).toHaveLength(10);
  });
});

describe("response_url", () => {
  it("records posts, puts in_channel replies in the channel and ephemeral ones aside", async () => {
    const standIn = await start();
    const url = standIn.issueResponseUrl({ channel: C, user: "U0ALICE" });
    const send = (body: unknown) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });

    expect((await send({ text: "just you" })).status).toBe(200);
    expect((await send({ text: "everyone", response_type: "in_channel" })).status).toBe(200);
    expect(standIn.responses().map((r) => r.body.text)).toEqual(["just you", "everyone"]);
    expect(standIn.ephemerals()).toEqual([expect.objectContaining({ user: "U0ALICE", text: "just you" })]);
    expect(standIn.messages(C).map((m) => m.text)).toEqual(["everyone"]);
  });

  it("allows five uses and refuses URLs it did not issue", async () => {
    const standIn = await start();
    const url = standIn.issueResponseUrl();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(url, { method: "POST", body: "{}" })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
    expect((await fetch(`${standIn.origin}/response/Rnope`, { method: "POST", body: "{}" })).status).toBe(
      404,
    );
  });
});

describe("events", () => {
  it("tells subscribers about calls and messages until they unsubscribe", async () => {
    const standIn = await start();
    const client = clientFor(standIn);
    const seen: StandInEvent["type"][] = [];
    const unsubscribe = standIn.subscribe((e) => seen.push(e.type));
    const posted = await client.chat.postMessage({ channel: C, text: "a" });
    await client.chat.update({ channel: C, ts: posted.ts ?? "", text: "b" });
    unsubscribe();
    await client.chat.postMessage({ channel: C, text: "c" });
    expect(seen).toEqual(["message", "call", "message_changed", "call"]);
  });

  it("keeps answering when a subscriber throws", async () => {
    const standIn = await start();
    standIn.subscribe(() => {
      throw new Error("console bug");
    });
    await expect(clientFor(standIn).chat.postMessage({ channel: C, text: "a" })).resolves.toMatchObject({
      ok: true,
    });
  });
});
