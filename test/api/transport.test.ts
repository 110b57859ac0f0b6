import { createServer } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SimServer } from "../../devkit/sim/http.js";
import { Transport } from "../../src/api/transport.js";
import {
  apiRejection,
  createTestSim,
  type TestTransport,
  TOKEN,
  testAdapter,
  testEndpoints,
  testTransport,
} from "../helpers/transport.js";

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

/** Replaces the test transport (closing the current one) with other options. */
async function retransport(...args: Parameters<typeof testTransport>): Promise<TestTransport> {
  await t.transport.close();
  t = testTransport(...args);
  return t;
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${address.port}`;
}

describe("connection failures", () => {
  it("reports a refused connection as network, with the outcome known, for any endpoint", async () => {
    await retransport(await closedPortUrl());
    const unsafe = await apiRejection(t.transport.call(testEndpoints.createItem, { name: "n" }));
    expect(unsafe).toMatchObject({ kind: "network", outcomeUnknown: false, tries: 1 });
    expect(unsafe.safeMessage).toBe("connection refused");
    const safe = await apiRejection(t.transport.call(testEndpoints.getItem, { id: "a" }));
    expect(safe).toMatchObject({ kind: "network", outcomeUnknown: false, tries: 3 });
    expect(t.delays).toHaveLength(2);
  });
});

describe("cancellation", () => {
  it("aborts a call waiting for an answer promptly", async () => {
    sim.setFaults([{ kind: "latency", latencyMs: 5_000 }]);
    await retransport(sim.url, { timeouts: { headersMs: 10_000 } });
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 50);
    const error = await apiRejection(
      t.transport.call(testEndpoints.createItem, { name: "n" }, { signal: controller.signal }),
    );
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(error).toMatchObject({ kind: "aborted", retryable: false, outcomeUnknown: true });
    expect(error.safeMessage).toBe("the call was cancelled");
    expect(t.calls).toEqual([expect.objectContaining({ outcome: "aborted", tries: 1 })]);
  });

  it("aborts during the sleep between retries", async () => {
    sim.setFaults([{ kind: "error", status: 503 }]);
    // The real sleep: the first retry would wait about 9.9 s.
    await retransport(sim.url, {
      realSleep: true,
      random: () => 0.99,
      retryPolicy: { baseDelayMs: 10_000, maxDelayMs: 10_000 },
    });
    const controller = new AbortController();
    const started = performance.now();
    const call = t.transport.call(testEndpoints.getItem, { id: "a" }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const error = await apiRejection(call);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(error).toMatchObject({ kind: "aborted", outcomeUnknown: false, tries: 1 });
    expect(sim.requests).toHaveLength(1);
  });

  it("does not send a call whose signal is already aborted", async () => {
    const error = await apiRejection(
      t.transport.call(testEndpoints.getItem, { id: "a" }, { signal: AbortSignal.abort() }),
    );
    expect(error.kind).toBe("aborted");
    expect(sim.requests).toHaveLength(0);
  });
});

describe("overall deadline", () => {
  it("ends a read whose retries would outlast the deadline, with the deadline named", async () => {
    sim.setFaults([{ kind: "error", status: 503 }]);
    // Each try fails fast, but the real wait before the next one is about 9.9 s.
    await retransport(sim.url, {
      realSleep: true,
      random: () => 0.99,
      retryPolicy: { baseDelayMs: 10_000, maxDelayMs: 10_000 },
      timeouts: { overallMs: 300 },
    });
    const started = performance.now();
    const error = await apiRejection(t.transport.call(testEndpoints.getItem, { id: "a" }));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error).toMatchObject({ kind: "timeout", retryable: false, outcomeUnknown: false, tries: 1 });
    expect(error.safeMessage).toBe("did not finish within 300 ms");
    expect(sim.requests).toHaveLength(1);
    expect(t.calls).toEqual([expect.objectContaining({ outcome: "timeout", tries: 1 })]);
  });

  it("ends a change still waiting for its answer with the outcome unknown", async () => {
    sim.setFaults([{ kind: "latency", latencyMs: 5_000 }]);
    // The per-answer timeout alone would wait 10 s.
    await retransport(sim.url, { timeouts: { headersMs: 10_000, overallMs: 200 } });
    const started = performance.now();
    const error = await apiRejection(t.transport.call(testEndpoints.createItem, { name: "n" }));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error).toMatchObject({ kind: "timeout", retryable: false, outcomeUnknown: true, tries: 1 });
    expect(error.safeMessage).toBe(
      "did not finish within 200 ms; the outcome is unknown, check the current state before trying again",
    );
  });

  it("still reports a caller's cancellation as a cancellation", async () => {
    sim.setFaults([{ kind: "latency", latencyMs: 5_000 }]);
    await retransport(sim.url, { timeouts: { headersMs: 10_000, overallMs: 3_000 } });
    const error = await apiRejection(
      t.transport.call(testEndpoints.getItem, { id: "a" }, { signal: AbortSignal.timeout(50) }),
    );
    expect(error.kind).toBe("aborted");
  });
});

describe("error and response bodies", () => {
  it("truncates error messages and scrubs the token even when the server echoes it", async () => {
    const error = await apiRejection(t.transport.call(testEndpoints.echoError, {}));
    expect(sim.requests[0]?.headers["x-project-token"]).toBe(TOKEN);
    expect(error).toMatchObject({ kind: "http", status: 400, requestId: "req-42", retryable: false });
    expect(error.safeMessage.length).toBeLessThanOrEqual(300);
    expect(error.safeMessage).toMatch(
      /^the request was rejected as invalid: bad request with token \[redacted\]/,
    );
    for (const text of [error.safeMessage, error.message, error.userMessage()])
      expect(text).not.toContain(TOKEN);
    expect(error.userMessage()).toContain("(request ID req-42)");
  });

  it("refuses a success response larger than maxResponseBytes as a contract error", async () => {
    await retransport(sim.url, { maxResponseBytes: 1_000 });
    const error = await apiRejection(t.transport.call(testEndpoints.getBig, {}));
    expect(error).toMatchObject({ kind: "contract", tries: 1 });
    expect(error.safeMessage).toContain("larger than 1000 bytes");
    await expect(t.transport.call(testEndpoints.getItem, { id: "small" })).resolves.toMatchObject({
      id: "small",
    });
  });

  it.each([
    ["text", "plain words, not JSON"],
    ["json", { id: "j", name: "json" }],
    ["empty", null],
    ["blank", null],
  ] as const)("json-or-text hands %s bodies to the schema", async (what, expected) => {
    await expect(t.transport.call(testEndpoints.getText, { what })).resolves.toEqual(expected);
  });

  it.each(["text", "json", "empty"] as const)("the empty format ignores a %s body", async (what) => {
    await expect(t.transport.call(testEndpoints.getEmpty, { what })).resolves.toBeNull();
  });

  it.each([
    ["text", "not valid JSON"],
    ["blank", "the response body is empty"],
  ] as const)("the json format refuses a %s body", async (what, message) => {
    const error = await apiRejection(t.transport.call(testEndpoints.getJson, { what }));
    expect(error.kind).toBe("contract");
    expect(error.safeMessage).toContain(message);
  });
});

describe("re-authentication after 401", () => {
  it("tries once more with fresh credentials when the adapter can re-authenticate", async () => {
    let refreshes = 0;
    const adapter = testAdapter({
      token: "stale-token-value",
      reauthenticate: async (state) => {
        refreshes++;
        state.token = TOKEN;
        return true;
      },
    });
    await retransport(sim.url, { adapter });
    await expect(t.transport.call(testEndpoints.getSecure, {})).resolves.toEqual({ ok: true });
    expect(refreshes).toBe(1);
    expect(sim.requests.map((r) => r.status)).toEqual([401, 200]);
    expect(sim.requests.map((r) => r.headers["x-project-token"])).toEqual(["stale-token-value", TOKEN]);
  });

  it("tries only once more when the fresh credentials are refused too", async () => {
    let refreshes = 0;
    const adapter = testAdapter({
      token: "stale-token-value",
      reauthenticate: async () => {
        refreshes++;
        return true;
      },
    });
    await retransport(sim.url, { adapter });
    const error = await apiRejection(t.transport.call(testEndpoints.getSecure, {}));
    expect(error).toMatchObject({ kind: "http", status: 401 });
    expect(error.safeMessage).toContain("credentials were rejected");
    expect(refreshes).toBe(1);
    expect(sim.requests).toHaveLength(2);
  });

  it.each([
    ["without reauthenticate()", testAdapter({ token: "stale-token-value" })],
    [
      "when reauthenticate() declines",
      testAdapter({ token: "stale-token-value", reauthenticate: async () => false }),
    ],
  ])("does not try again %s", async (_label, adapter) => {
    await retransport(sim.url, { adapter });
    const error = await apiRejection(t.transport.call(testEndpoints.getSecure, {}));
    expect(error).toMatchObject({ kind: "http", status: 401, tries: 1 });
    expect(sim.requests).toHaveLength(1);
  });
});

describe("request building", () => {
  it("keeps the base URL's path prefix", async () => {
    await retransport(`${sim.url}/apps/api/`);
    await expect(t.transport.call(testEndpoints.getItem, { id: "x 1" })).resolves.toEqual({
      id: "x 1",
      name: "widget",
    });
    expect(sim.requests[0]?.url).toBe("/apps/api/items/x%201");
  });

  it("encodes query arrays as repeated keys and booleans and numbers as text, omitting unset keys", async () => {
    await t.transport.call(testEndpoints.search, {
      scope: "all",
      tags: ["a", "b c", "x&y=z"],
      flag: false,
      n: 3,
    });
    expect(sim.requests[0]?.url).toBe("/search/all?tags=a&tags=b+c&tags=x%26y%3Dz&flag=false&n=3");
  });

  it("sends JSON bodies with their content type, leaving path keys out", async () => {
    await t.transport.call(testEndpoints.createItem, { name: "gadget" });
    const sent = sim.requests[0];
    expect(sent?.body).toBe('{"name":"gadget"}');
    expect(sent?.headers["content-type"]).toBe("application/json");
    expect(sent?.headers.accept).toBe("application/json");
  });

  it("refuses invalid input and unsafe path values before sending", async () => {
    const bad = await apiRejection(t.transport.call(testEndpoints.getItem, { id: 42 }));
    expect(bad).toMatchObject({ kind: "invalid_request", tries: 0 });
    expect(bad.issues.map((i) => i.field)).toEqual(["id"]);
    const traversal = await apiRejection(t.transport.call(testEndpoints.getItem, { id: ".." }));
    expect(traversal.kind).toBe("invalid_request");
    expect(traversal.safeMessage).toBe("invalid arguments: id: must not be `.` or `..`");
    expect(sim.requests).toHaveLength(0);
    expect(t.calls.map((c) => [c.outcome, c.tries])).toEqual([
      ["invalid_request", 0],
      ["invalid_request", 0],
    ]);
  });
});

describe("onCall", () => {
  it("reports each call once with its outcome, status and tries", async () => {
    sim.setFaults([{ kind: "error", status: 503, times: 1 }]);
    await t.transport.call(testEndpoints.getItem, { id: "a" });
    sim.setFaults([{ kind: "error", status: 404 }]);
    await apiRejection(t.transport.call(testEndpoints.getItem, { id: "b" }));
    expect(t.calls).toEqual([
      expect.objectContaining({
        backend: "calyptia",
        operation: "getItem",
        outcome: "ok",
        status: 200,
        tries: 2,
      }),
      expect.objectContaining({ operation: "getItem", outcome: "http", status: 404, tries: 1 }),
    ]);
    expect(t.calls.every((c) => c.durationMs >= 0)).toBe(true);
  });

  it("keeps the call's outcome when the hook throws", async () => {
    let reports = 0;
    await retransport(sim.url, {
      onCall: () => {
        reports++;
        throw new Error("metrics are down");
      },
    });
    await expect(t.transport.call(testEndpoints.getItem, { id: "a" })).resolves.toMatchObject({ id: "a" });
    expect(reports).toBe(1);
  });
});

describe("Transport.checkOverrides", () => {
  const endpoints = Object.values(testEndpoints);

  it("accepts overrides with the same placeholders", () => {
    expect(Transport.checkOverrides(endpoints, { getItem: "/v2/things/{id}", search: "/s/{scope}" })).toEqual(
      [],
    );
  });

  it("lists every bad override", () => {
    expect(
      Transport.checkOverrides(endpoints, {
        nope: "/x",
        getItem: "items/{id}",
        search: "/search/{scope}/{extra}",
        createItem: "/items/{name*}",
      }),
    ).toEqual([
      'unknown operation "nope"',
      'getItem: path must start with "/"',
      "search: path must use the placeholders {scope}",
      "createItem: path must have no placeholders",
    ]);
  });

  it("tells a {name*} placeholder from a {name} one", () => {
    expect(Transport.checkOverrides(endpoints, { getItem: "/items/{id*}" })).toEqual([
      "getItem: path must use the placeholders {id}",
    ]);
  });
});
