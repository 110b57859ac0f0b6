import { webApi } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import { classifyError, classifyResult } from "../../../src/slack/outbox/errors.js";
import { backoffMs, Pacer } from "../../../src/slack/outbox/pacer.js";

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
      kind: "transient",
      code: "fatal_error",
    });
    expect(classifyError(new webApi.WebAPIHTTPError(503, "Service Unavailable", {}))).toMatchObject({
      kind: "transient",
      code: "http_503",
    });
    expect(classifyError(new webApi.WebAPIHTTPError(404, "Not Found", {}))).toMatchObject({
      kind: "permanent",
      code: "http_404",
    });
    expect(classifyError(new webApi.WebAPIRequestError(new Error("ECONNRESET")))).toMatchObject({
      kind: "transient",
      code: "request_error",
    });
  });

  it("reads ok:false answers returned instead of thrown", () => {
    expect(classifyResult({ ok: true, ts: "1.2", channel: "C1" })).toEqual({
      kind: "ok",
      result: { ok: true, ts: "1.2", channel: "C1" },
    });
    expect(classifyResult({ ok: false, error: "ratelimited" })).toMatchObject({ kind: "transient" });
    expect(classifyResult({ ok: false, error: "msg_too_long" })).toMatchObject({ kind: "permanent" });
    expect(classifyResult("nonsense")).toMatchObject({ kind: "permanent", code: "invalid_response" });
  });
});

describe("pacing and backoff", () => {
  it("spaces slots evenly and honours a hold", () => {
    const pacer = new Pacer(1000);
    expect([pacer.reserve(0), pacer.reserve(0), pacer.reserve(500)]).toEqual([0, 1000, 1500]);
    pacer.holdUntil(10_000);
    expect(pacer.reserve(3000)).toBe(7000);
    expect(pacer.idle(11_000)).toBe(true);
  });

  it("grows exponentially, with jitter, up to a cap", () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, () => 1))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffMs(1, () => 0)).toBe(250);
    expect(backoffMs(20, () => 1)).toBe(30_000);
  });
});
