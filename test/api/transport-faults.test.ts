import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FaultInput } from "../../devkit/sim/faults.js";
import type { SimServer } from "../../devkit/sim/http.js";
import type { ApiErrorKind } from "../../src/api/errors.js";
import {
  apiRejection,
  createTestSim,
  type TestTransport,
  testEndpoints,
  testTransport,
} from "../helpers/transport.js";

/** Every fault kind of devkit/sim/faults.ts against a safe (GET) and an unsafe (POST) endpoint. */

let sim: SimServer;
let t: TestTransport;

beforeEach(async () => {
  sim = createTestSim();
  t = testTransport(await sim.listen());
});
afterEach(async () => {
  await t.transport.close();
  await sim.close();
});

const getItem = () => t.transport.call(testEndpoints.getItem, { id: "a1" });
const createItem = () => t.transport.call(testEndpoints.createItem, { name: "n" });

/** The sim records a request when it answers, which for latency faults is after the client gave up. */
async function expectRequests(count: number): Promise<void> {
  await vi.waitFor(() => expect(sim.requests).toHaveLength(count), {
    timeout: SLOW_MS + 1_000,
    interval: 20,
  });
}

interface TransientCase {
  readonly fault: FaultInput;
  readonly kind: ApiErrorKind;
  readonly status?: number;
  /** Whether an unsafe call may have been acted on (the request reached the server, no answer). */
  readonly outcomeUnknown: boolean;
  /** What the user is told happened. */
  readonly said?: string;
}

// undici runs its headers and body timeouts on coarse timers (ticks of ~0.5 s): the 250 ms timeouts of
// the test transport fire 0.5-1 s after they start, so the slow faults take 2 s to stay clearly beyond.
const SLOW_MS = 2_000;

const transient: Record<string, TransientCase> = {
  "latency beyond headersTimeout": {
    fault: { kind: "latency", latencyMs: SLOW_MS },
    kind: "timeout",
    outcomeUnknown: true,
    said: "did not answer within 250 ms",
  },
  "error 500": { fault: { kind: "error", status: 500 }, kind: "http", status: 500, outcomeUnknown: false },
  "error 502": { fault: { kind: "error", status: 502 }, kind: "http", status: 502, outcomeUnknown: false },
  "error 503": { fault: { kind: "error", status: 503 }, kind: "http", status: 503, outcomeUnknown: false },
  "error 504": { fault: { kind: "error", status: 504 }, kind: "http", status: 504, outcomeUnknown: false },
  reset: { fault: { kind: "reset" }, kind: "network", outcomeUnknown: true },
  "slow_body beyond bodyTimeout": {
    fault: { kind: "slow_body", latencyMs: SLOW_MS },
    kind: "timeout",
    outcomeUnknown: true,
    said: "stopped sending its answer for 250 ms",
  },
  truncated_body: { fault: { kind: "truncated_body" }, kind: "network", outcomeUnknown: true },
};

describe.each(Object.entries(transient))("fault %s", (_name, c) => {
  it("a safe call is tried 3 times with full-jitter backoff, then fails with the right kind", async () => {
    sim.setFaults([c.fault]);
    const error = await apiRejection(getItem());
    expect(error.kind).toBe(c.kind);
    expect(error.status).toBe(c.status);
    expect(error.tries).toBe(3);
    expect(error.retryable).toBe(true);
    expect(error.outcomeUnknown).toBe(false);
    if (c.said) expect(error.safeMessage).toBe(c.said);
    await expectRequests(3);
    expect(t.delays).toHaveLength(2);
    // Full jitter under the default policy: retry n waits in [0, min(2000, 200 * 2^(n-1))).
    expect(t.delays[0]).toBeGreaterThanOrEqual(0);
    expect(t.delays[0]).toBeLessThan(200);
    expect(t.delays[1]).toBeGreaterThanOrEqual(0);
    expect(t.delays[1]).toBeLessThan(400);
    expect(t.delays.every(Number.isInteger)).toBe(true);
  });

  it("a safe call recovers when the fault hits only the first try", async () => {
    sim.setFaults([{ ...c.fault, times: 1 }]);
    await expect(getItem()).resolves.toEqual({ id: "a1", name: "widget" });
    await expectRequests(2);
    expect(t.calls).toEqual([expect.objectContaining({ outcome: "ok", status: 200, tries: 2 })]);
  });

  it("an unsafe call is tried exactly once", async () => {
    sim.setFaults([c.fault]);
    const error = await apiRejection(createItem());
    expect(error.kind).toBe(c.kind);
    expect(error.tries).toBe(1);
    expect(error.outcomeUnknown).toBe(c.outcomeUnknown);
    if (c.outcomeUnknown) expect(error.safeMessage).toMatch(/outcome is unknown, check the current state/);
    else expect(error.safeMessage).not.toMatch(/outcome is unknown/);
    await expectRequests(1);
    // Give a wrongly scheduled retry time to show up.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sim.requests).toHaveLength(1);
    expect(t.delays).toEqual([]);
  });
});

describe("faults that need no retry", () => {
  it("latency within the headers timeout is only slower", async () => {
    sim.setFaults([{ kind: "latency", latencyMs: 100 }]);
    const started = performance.now();
    await expect(getItem()).resolves.toEqual({ id: "a1", name: "widget" });
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    await expect(createItem()).resolves.toEqual({ id: "new-1", name: "n" });
    expect(sim.requests).toHaveLength(2);
  });

  it.each([
    ["safe", getItem, false],
    ["unsafe", createItem, true],
  ])("malformed JSON is a contract error, not retried (%s)", async (_label, call, unknown) => {
    sim.setFaults([{ kind: "malformed_json" }]);
    const error = await apiRejection(call());
    expect(error.kind).toBe("contract");
    expect(error.safeMessage).toContain("not valid JSON");
    expect(error.tries).toBe(1);
    // A 2xx to a change means the backend acted: only its answer could not be read.
    expect(error.outcomeUnknown).toBe(unknown);
    expect(sim.requests).toHaveLength(1);
  });

  it("a change answered 2xx with the wrong shape has an unknown outcome; a missing field is named so", async () => {
    sim.setFaults([{ kind: "wrong_shape" }]);
    const error = await apiRejection(createItem());
    expect(error).toMatchObject({ kind: "contract", outcomeUnknown: true, retryable: false, tries: 1 });
    expect(error.safeMessage).toBe(
      'unexpected response from the calyptia API: field "id" is missing; the outcome is unknown, check the current state before trying again',
    );
    expect(error.safeMessage).not.toContain("undefined");
  });

  it("a change answered 4xx is a plain failure, not an unknown outcome", async () => {
    sim.setFaults([{ kind: "error", status: 409 }]);
    const error = await apiRejection(createItem());
    expect(error.outcomeUnknown).toBe(false);
  });

  it.each([
    ["safe", getItem],
    ["unsafe", createItem],
  ])("a body of the wrong shape is a contract error naming the field (%s)", async (_label, call) => {
    sim.setFaults([{ kind: "wrong_shape" }]);
    const error = await apiRejection(call());
    expect(error.kind).toBe("contract");
    expect(error.status).toBeGreaterThanOrEqual(200);
    expect(error.safeMessage).toMatch(/field "id"/);
    expect(error.tries).toBe(1);
    expect(sim.requests).toHaveLength(1);
  });
});

describe("rate limits", () => {
  it("honours Retry-After exactly instead of the jitter", async () => {
    sim.setFaults([{ kind: "rate_limit", retryAfterSeconds: 2 }]);
    const error = await apiRejection(getItem());
    expect(error).toMatchObject({ kind: "http", status: 429, tries: 3, retryable: true });
    expect(error.safeMessage).toContain("rate limited");
    // The user learns how long the backend asked to wait.
    expect(error.safeMessage).toMatch(/\(HTTP 429\); retry in 2 s$/);
    expect(t.delays).toEqual([2_000, 2_000]);
    expect(sim.requests).toHaveLength(3);
  });

  it("succeeds after one Retry-After wait", async () => {
    sim.setFaults([{ kind: "rate_limit", retryAfterSeconds: 1, times: 1 }]);
    await expect(getItem()).resolves.toMatchObject({ id: "a1" });
    expect(t.delays).toEqual([1_000]);
  });

  it("does not wait for a Retry-After above maxRetryAfterMs", async () => {
    await t.transport.close();
    t = testTransport(sim.url, { retryPolicy: { maxRetryAfterMs: 5_000 } });
    sim.setFaults([{ kind: "rate_limit", retryAfterSeconds: 6 }]);
    const error = await apiRejection(getItem());
    expect(error).toMatchObject({ kind: "http", status: 429, tries: 1 });
    expect(t.delays).toEqual([]);
    expect(sim.requests).toHaveLength(1);
  });

  it("never retries an unsafe call, even with Retry-After", async () => {
    sim.setFaults([{ kind: "rate_limit", retryAfterSeconds: 1 }]);
    const error = await apiRejection(createItem());
    expect(error).toMatchObject({ kind: "http", status: 429, tries: 1, outcomeUnknown: false });
    expect(t.delays).toEqual([]);
  });
});

describe("backoff", () => {
  it("grows exponentially up to maxDelayMs with the injected random source", async () => {
    await t.transport.close();
    t = testTransport(sim.url, {
      random: () => 0.999,
      retryPolicy: { maxTries: 5, baseDelayMs: 100, maxDelayMs: 300 },
    });
    sim.setFaults([{ kind: "error", status: 503 }]);
    const error = await apiRejection(getItem());
    expect(error.tries).toBe(5);
    // floor(0.999 * min(300, 100 * 2^(n-1))) for n = 1..4
    expect(t.delays).toEqual([99, 199, 299, 299]);
    expect(sim.requests).toHaveLength(5);
  });

  it("does not retry 4xx answers other than 429", async () => {
    sim.setFaults([{ kind: "error", status: 404 }]);
    const error = await apiRejection(getItem());
    expect(error).toMatchObject({ kind: "http", status: 404, tries: 1, retryable: false });
    expect(error.safeMessage).toBe("not found: injected failure (HTTP 404)");
  });
});
