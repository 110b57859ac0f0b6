import { describe, expect, it } from "vitest";
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  RETRYABLE_STATUSES,
  type RetryPolicy,
  sleep,
} from "../../src/api/retry.js";

const policy: RetryPolicy = { maxTries: 5, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 };

describe("backoffDelay", () => {
  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
    [5, 1_000],
    [10, 1_000],
  ])("retry %d draws uniformly below the capped bound %d", (retry, bound) => {
    expect(backoffDelay(retry, policy, () => 0)).toBe(0);
    expect(backoffDelay(retry, policy, () => 0.5)).toBe(bound / 2);
    expect(backoffDelay(retry, policy, () => 0.999_999)).toBe(bound - 1);
  });

  it("stays within [0, bound) with the real random source", () => {
    for (let i = 0; i < 1_000; i++) {
      const delay = backoffDelay(3, policy);
      expect(Number.isInteger(delay)).toBe(true);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(400);
    }
  });

  it("defaults to 3 tries, 200 ms base, 2 s cap, 10 s Retry-After limit", () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({
      maxTries: 3,
      baseDelayMs: 200,
      maxDelayMs: 2_000,
      maxRetryAfterMs: 10_000,
    });
    expect([...RETRYABLE_STATUSES].sort()).toEqual([429, 500, 502, 503, 504]);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");

  it.each([
    ["seconds", "3", 3_000],
    ["zero", "0", 0],
    ["padded seconds", " 12 ", 12_000],
    ["an HTTP date 90 s ahead", "Wed, 01 Jan 2025 00:01:30 GMT", 90_000],
    ["an HTTP date in the past", "Tue, 31 Dec 2024 23:59:00 GMT", 0],
    ["the first of several values", ["2", "9"], 2_000],
  ])("reads %s", (_label, value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  it.each([
    ["absent", undefined],
    ["empty", ""],
    ["blank", "  "],
    ["garbage", "soon"],
    ["an empty list", []],
  ])("ignores %s", (_label, value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});

describe("sleep", () => {
  it("waits about the given time", async () => {
    const started = performance.now();
    await sleep(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it("rejects at once with the reason when already aborted", async () => {
    const reason = new Error("stop");
    await expect(sleep(10_000, AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it("rejects promptly when aborted while waiting", async () => {
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 20);
    await expect(sleep(10_000, controller.signal)).rejects.toMatchObject({ name: "AbortError" });
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
