import { createServer } from "node:net";
import { webApi } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import { classifyError, classifyResult } from "../../../src/slack/outbox/errors.js";
import { backoffMs, LocalPacing } from "../../../src/slack/outbox/pacer.js";
import { clientFor, standInPerTest } from "../../helpers/standin-client.js";

const start = standInPerTest();

/** A port nothing listens on: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function failureOf(call: Promise<unknown>) {
  try {
    await call;
  } catch (err) {
    return classifyError(err);
  }
  throw new Error("expected the call to fail");
}

describe("classifying Slack answers", () => {
  it("reads the errors web-api throws", () => {
    expect(classifyError(new webApi.WebAPIRateLimitedError(3))).toEqual({
      kind: "rate_limited",
      retryAfterMs: 3000,
    });
    expect(classifyError(new webApi.WebAPIRateLimitedError(0))).toEqual({
      kind: "rate_limited",
      retryAfterMs: 1000,
    });
    expect(
      classifyError(new webApi.WebAPIPlatformError({ ok: false, error: "channel_not_found" })),
    ).toMatchObject({ kind: "permanent", code: "channel_not_found" });
    expect(classifyError(new webApi.WebAPIPlatformError({ ok: false, error: "fatal_error" }))).toMatchObject({
      kind: "unknown",
      code: "fatal_error",
    });
    expect(
      classifyError(new webApi.WebAPIPlatformError({ ok: false, error: "service_unavailable" })),
    ).toMatchObject({ kind: "transient", code: "service_unavailable" });
    expect(classifyError(new webApi.WebAPIHTTPError(503, "Service Unavailable", {}))).toMatchObject({
      kind: "unknown",
      code: "http_503",
    });
    expect(classifyError(new webApi.WebAPIHTTPError(404, "Not Found", {}))).toMatchObject({
      kind: "permanent",
      code: "http_404",
    });
    expect(classifyError(new webApi.WebAPIRequestError(new Error("ECONNRESET")))).toMatchObject({
      kind: "unknown",
      code: "request_error",
    });
    expect(
      classifyError(new webApi.WebAPIFileUploadInvalidArgumentsError("Either a file or content field")),
    ).toMatchObject({ kind: "permanent", code: "slack_webapi_file_upload_invalid_args_error" });
  });

  it("retries only network errors that prove the request never left", () => {
    const wrapped = (cause: unknown) =>
      new webApi.WebAPIRequestError(new TypeError("fetch failed", { cause }));
    const coded = (code: string) => Object.assign(new Error(code), { code });
    for (const code of ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT"]) {
      expect(classifyError(wrapped(coded(code)))).toMatchObject({
        kind: "transient",
        code: "connection_failed",
      });
    }
    // Node tries every address of a name and reports them together.
    expect(classifyError(wrapped(new AggregateError([coded("ECONNREFUSED")])))).toMatchObject({
      kind: "transient",
    });
    for (const code of ["ECONNRESET", "UND_ERR_SOCKET", "EPIPE"]) {
      expect(classifyError(wrapped(coded(code)))).toMatchObject({ kind: "unknown", code: "request_error" });
    }
    const timeout = new DOMException("The operation was aborted due to timeout", "TimeoutError");
    expect(classifyError(wrapped(timeout))).toMatchObject({ kind: "unknown", code: "timeout" });
    // web-api reads the body outside its own error handling: a cut answer comes as undici's TypeError.
    expect(classifyError(new TypeError("terminated", { cause: coded("UND_ERR_SOCKET") }))).toMatchObject({
      kind: "unknown",
    });
  });

  it("reads ok:false answers returned instead of thrown", () => {
    expect(classifyResult({ ok: true, ts: "1.2", channel: "C1" })).toEqual({
      kind: "ok",
      result: { ok: true, ts: "1.2", channel: "C1" },
    });
    expect(classifyResult({ ok: false, error: "ratelimited" })).toMatchObject({ kind: "transient" });
    expect(classifyResult({ ok: false, error: "internal_error" })).toMatchObject({ kind: "unknown" });
    expect(classifyResult({ ok: false, error: "msg_too_long" })).toMatchObject({ kind: "permanent" });
    // Slack answered something: it may have carried the call out before the answer went wrong.
    expect(classifyResult("nonsense")).toMatchObject({ kind: "unknown", code: "invalid_response" });
    expect(classifyResult({ ok: false, error: "invalid_response" })).toMatchObject({ kind: "unknown" });
  });
});

describe("what a real WebClient throws", () => {
  it("a refused connection is known not sent; a dropped, cut or late answer is not", async () => {
    const standIn = await start();
    const client = clientFor(standIn, { timeout: 300 });
    const args = { channel: "C0OPS0001", text: "x" };
    const refused = clientFor(standIn, { slackApiUrl: `http://127.0.0.1:${await closedPort()}/api/` });
    expect(await failureOf(refused.chat.postMessage(args))).toMatchObject({
      kind: "transient",
      code: "connection_failed",
    });
    standIn.inject("chat.postMessage", { kind: "disconnect" });
    expect(await failureOf(client.chat.postMessage(args))).toMatchObject({ kind: "unknown" });
    standIn.inject("chat.postMessage", { kind: "truncated_body" });
    expect(await failureOf(client.chat.postMessage(args))).toMatchObject({ kind: "unknown" });
    standIn.inject("chat.postMessage", { kind: "delay", ms: 1_000 });
    expect(await failureOf(client.chat.postMessage(args))).toMatchObject({
      kind: "unknown",
      code: "timeout",
    });
    standIn.inject("chat.postMessage", { kind: "wrong_shape" });
    expect(await failureOf(client.chat.postMessage(args))).toMatchObject({
      kind: "unknown",
      code: "invalid_response",
    });
  });
});

describe("pacing and backoff", () => {
  it("spaces slots evenly per lane, honours a hold, and forgets idle lanes", async () => {
    let now = 0;
    const pacing = new LocalPacing(() => now);
    const slots = [await pacing.reserve("a", 1000), await pacing.reserve("a", 1000)];
    now = 500;
    slots.push(await pacing.reserve("a", 1000));
    expect(slots).toEqual([0, 1000, 1500]);
    expect(await pacing.reserve("b", 1000)).toBe(0);
    await pacing.hold("a", 9_500);
    now = 3000;
    expect(await pacing.reserve("a", 1000)).toBe(7000);
    now = 11_000;
    expect(await pacing.reserve("c", 1000)).toBe(0);
    expect(pacing.size).toBe(1);
  });

  it("grows exponentially, with jitter, up to a cap", () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, () => 1))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffMs(1, () => 0)).toBe(250);
    expect(backoffMs(20, () => 1)).toBe(30_000);
  });
});
