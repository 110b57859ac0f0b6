import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FaultInjector } from "../../../devkit/sim/faults.js";
import { phaseAt, routePattern, SimClock, SimHttpError, SimServer } from "../../../devkit/sim/http.js";

let sim: SimServer;
let resets = 0;

beforeEach(async () => {
  resets = 0;
  sim = new SimServer({
    name: "test",
    errorBody: (status, message, extra) => ({ error: message, status, ...extra }),
    maxBodyBytes: 1_000,
    onReset: () => resets++,
  });
  sim
    .route("GET", "/v1/things/:id", (req) => ({
      status: 200,
      body: { id: req.params.id, q: req.query.get("q") },
    }))
    .route("DELETE", "/v1/things/:id", () => ({ status: 204 }))
    .route("GET", "/v1/repos/:repo/dirs/:dir", (req) => ({ status: 200, body: req.params }))
    .route("POST", "/v1/json", (req) => ({ status: 201, body: { got: req.json() } }))
    .route("POST", "/v1/form", async (req) => ({ status: 200, body: await req.form() }))
    .route("GET", "/v1/teapot", () => {
      throw new SimHttpError(418, "short and stout", { detail: "tip me over" });
    })
    .route("GET", "/v1/text", () => ({ status: 200, text: "hello", headers: { "x-extra": "1" } }));
  await sim.listen();
});
afterEach(async () => {
  await sim.close();
});

async function send(path: string, init: RequestInit = {}) {
  const res = await fetch(`${sim.url}${path}`, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
}

const jsonInit = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe("routing", () => {
  it("decodes one segment per parameter, %2F included", async () => {
    const res = await send("/v1/repos/my%20repo/dirs/jobs%2Fnightly");
    expect(res.json()).toEqual({ repo: "my repo", dir: "jobs/nightly" });
    expect((await send("/v1/repos/r/dirs/jobs/nightly")).status).toBe(404);
  });

  it("passes the query string and records the raw URL", async () => {
    expect((await send("/v1/things/a?q=x%20y")).json()).toEqual({ id: "a", q: "x y" });
    expect(sim.requests.at(-1)).toMatchObject({ method: "GET", url: "/v1/things/a?q=x%20y", status: 200 });
  });

  it("answers 404 for an unknown path and 405 for a known path with another method", async () => {
    const missing = await send("/v1/nothing");
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ error: "no route for /v1/nothing", status: 404 });
    const wrongMethod = await send("/v1/things/a", { method: "PUT" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.json()).toMatchObject({ error: "method PUT not allowed" });
    expect((await send("/v1/things/", { method: "GET" })).status).toBe(404);
  });

  it("answers 400 for malformed percent-encoding in a parameter", async () => {
    expect((await send("/v1/things/%E0%A4%A")).status).toBe(400);
  });

  it("answers a SimHttpError in the backend's error format, and text bodies as text", async () => {
    const teapot = await send("/v1/teapot");
    expect(teapot.status).toBe(418);
    expect(teapot.json()).toEqual({ error: "short and stout", status: 418, detail: "tip me over" });
    const text = await send("/v1/text");
    expect(text.text).toBe("hello");
    expect(text.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(text.headers.get("x-extra")).toBe("1");
    expect((await send("/v1/things/a", { method: "DELETE" })).status).toBe(204);
  });
});

describe("routes from endpoint descriptions", () => {
  it("turns a path template into the router's pattern, {name*} as one segment", () => {
    expect(routePattern("/v1/pipeline_logs/{pipelineLogID}")).toBe("/v1/pipeline_logs/:pipelineLogID");
    expect(routePattern("/v1/task/deployas/{repository}/{directory*}/{name}")).toBe(
      "/v1/task/deployas/:repository/:directory/:name",
    );
    expect(routePattern("/v1/list/namespaces")).toBe("/v1/list/namespaces");
  });

  it("refuses a placeholder that is not a whole segment", () => {
    expect(() => routePattern("/v1/items/id-{id}")).toThrow("whole segment");
    expect(() => routePattern("/v1/items/{id}.json")).toThrow("whole segment");
    expect(() => routePattern("/v1/items/:id")).toThrow("starts with ':'");
  });

  it("serves an endpoint at its method and path, under an optional prefix", async () => {
    const endpoint = { method: "PATCH", path: "/v1/repos/{repo}/files/{file*}" } as const;
    sim.serve(endpoint, (req) => ({ status: 200, body: req.params }));
    sim.serve(endpoint, () => ({ status: 202 }), "/apps/api");
    const res = await send("/v1/repos/r/files/a%2Fb", { method: "PATCH" });
    expect(res.json()).toEqual({ repo: "r", file: "a/b" });
    expect((await send("/apps/api/v1/repos/r/files/a", { method: "PATCH" })).status).toBe(202);
    expect(sim.routes.slice(-2)).toEqual([
      { method: "PATCH", template: "/v1/repos/:repo/files/:file" },
      { method: "PATCH", template: "/apps/api/v1/repos/:repo/files/:file" },
    ]);
  });

  it("resolves a request to the route that would serve it, as dispatching does", () => {
    expect(sim.resolve("get", "/v1/things/a")).toEqual({ method: "GET", template: "/v1/things/:id" });
    expect(sim.resolve("DELETE", "/v1/things/a")).toEqual({ method: "DELETE", template: "/v1/things/:id" });
    expect(sim.resolve("PUT", "/v1/things/a")).toBeUndefined();
    expect(sim.resolve("GET", "/v1/nothing")).toBeUndefined();
    expect(sim.resolve("GET", "/v1/things/%E0%A4%A")).toBeUndefined();
    expect(sim.routes).toHaveLength(7);
  });
});

describe("bodies", () => {
  it("parses JSON bodies", async () => {
    expect((await send("/v1/json", jsonInit("POST", { a: 1 }))).json()).toEqual({ got: { a: 1 } });
  });

  it.each([
    ["a wrong content type", { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" }, 415],
    ["no body", { method: "POST", headers: { "content-type": "application/json" } }, 400],
    ["invalid JSON", { method: "POST", headers: { "content-type": "application/json" }, body: "{" }, 400],
  ])("refuses %s for json()", async (_label, init, status) => {
    expect((await send("/v1/json", init)).status).toBe(status);
  });

  it("parses multipart and urlencoded forms", async () => {
    const form = new FormData();
    form.append("name", "job");
    form.append("config", '{"a":1}');
    expect((await send("/v1/form", { method: "POST", body: form })).json()).toEqual({
      name: "job",
      config: '{"a":1}',
    });
    const urlencoded = await send("/v1/form", { method: "POST", body: new URLSearchParams({ x: "1 2" }) });
    expect(urlencoded.json()).toEqual({ x: "1 2" });
  });

  it("refuses a JSON body for form() with 415 and a file field with 400", async () => {
    expect((await send("/v1/form", jsonInit("POST", { x: 1 }))).status).toBe(415);
    const form = new FormData();
    form.append("file", new Blob(["data"]), "data.bin");
    const file = await send("/v1/form", { method: "POST", body: form });
    expect(file.status).toBe(400);
    expect(file.json()).toMatchObject({ error: "field file must be text, not a file" });
  });

  it("answers 413 for a body above maxBodyBytes", async () => {
    const res = await send("/v1/json", jsonInit("POST", { big: "x".repeat(2_000) }));
    expect(res.status).toBe(413);
    expect(res.json()).toMatchObject({ error: "request body too large" });
  });
});

describe("control endpoints", () => {
  it("sets and clears faults over HTTP", async () => {
    expect(
      (await send("/__sim/faults", jsonInit("PUT", { kind: "error", status: 503, path: "^/v1/things" })))
        .status,
    ).toBe(204);
    expect((await send("/v1/things/a")).status).toBe(503);
    expect((await send("/v1/text")).status).toBe(200);
    expect((await send("/__sim/faults", { method: "DELETE" })).status).toBe(204);
    expect((await send("/v1/things/a")).status).toBe(200);
    const list = [{ kind: "error", status: 502, method: "delete" }];
    expect((await send("/__sim/faults", jsonInit("PUT", list))).status).toBe(204);
    expect((await send("/v1/things/a")).status).toBe(200);
    expect((await send("/v1/things/a", { method: "DELETE" })).status).toBe(502);
  });

  it("refuses a bad fault with 400", async () => {
    expect((await send("/__sim/faults", jsonInit("PUT", { kind: "meteor" }))).status).toBe(400);
    expect((await send("/__sim/faults", jsonInit("PUT", { kind: "error", status: 200 }))).status).toBe(400);
  });

  it("lists and clears recorded requests, leaving control calls out", async () => {
    await send("/v1/json", jsonInit("POST", { a: 1 }));
    const recorded = (await send("/__sim/requests")).json();
    expect(recorded).toEqual([
      expect.objectContaining({ method: "POST", url: "/v1/json", body: '{"a":1}', status: 201 }),
    ]);
    expect((await send("/__sim/requests", { method: "DELETE" })).status).toBe(204);
    expect(sim.requests).toEqual([]);
  });

  it("changes the clock's speed and refuses a bad one", async () => {
    expect((await send("/__sim/speed", jsonInit("PUT", { speed: 10 }))).status).toBe(204);
    expect(sim.clock.speed).toBe(10);
    expect((await send("/__sim/speed", jsonInit("PUT", { speed: 0 }))).status).toBe(400);
    expect((await send("/__sim/speed", jsonInit("PUT", { speed: "fast" }))).status).toBe(400);
    expect(sim.clock.speed).toBe(10);
  });

  it("resets faults, requests and the simulator's state", async () => {
    sim.setFaults([{ kind: "error" }]);
    await send("/v1/things/a");
    expect((await send("/__sim/reset", { method: "POST" })).status).toBe(204);
    expect(resets).toBe(1);
    expect(sim.requests).toEqual([]);
    expect((await send("/v1/things/a")).status).toBe(200);
  });

  it("answers health and 404 for unknown control paths", async () => {
    expect((await send("/__sim/health")).json()).toEqual({ ok: true, name: "test" });
    expect((await send("/__sim/nope")).status).toBe(404);
  });
});

describe("fault injection", () => {
  it("hits a fault only `times` times", async () => {
    sim.setFaults([{ kind: "error", status: 500, times: 2 }]);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await send("/v1/things/a")).status);
    expect(statuses).toEqual([500, 500, 200, 200]);
  });

  it("hits a fault with its probability, using the injected random source", () => {
    const draws = [0.1, 0.5, 0.29, 0.9];
    const injector = new FaultInjector(() => draws.shift() ?? 1);
    injector.set([{ kind: "reset", probability: 0.3 }]);
    const hits = [0, 1, 2, 3].map(() => injector.take("GET", "/x").length);
    expect(hits).toEqual([1, 0, 1, 0]);
  });

  it("matches method and path, and stacks latency before another fault", () => {
    const injector = new FaultInjector(() => 0);
    injector.set([
      { kind: "latency", latencyMs: 5 },
      { kind: "error", method: "post", path: "^/v1/a" },
    ]);
    expect(injector.take("POST", "/v1/a/1").map((f) => f.kind)).toEqual(["latency", "error"]);
    expect(injector.take("GET", "/v1/a/1").map((f) => f.kind)).toEqual(["latency"]);
    expect(injector.take("POST", "/v2/a").map((f) => f.kind)).toEqual(["latency"]);
  });

  it("adds a fault after another one was used up", () => {
    const injector = new FaultInjector(() => 0);
    injector.set([
      { kind: "reset", times: 1 },
      { kind: "error", times: 2 },
    ]);
    injector.take("GET", "/");
    injector.add({ kind: "latency" });
    expect(injector.take("GET", "/").map((f) => f.kind)).toEqual(["error", "latency"]);
    expect(injector.take("GET", "/").map((f) => f.kind)).toEqual(["latency"]);
  });

  it("answers 429 with Retry-After for a rate limit", async () => {
    sim.setFaults([{ kind: "rate_limit", retryAfterSeconds: 7 }]);
    const res = await send("/v1/things/a");
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
  });

  it("replaces a success body for wrong_shape but leaves errors alone", async () => {
    sim.setFaults([{ kind: "wrong_shape" }]);
    expect((await send("/v1/things/a")).json()).toEqual({ unexpected: true });
    expect((await send("/v1/teapot")).status).toBe(418);
  });
});

describe("SimClock", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs at its speed and moves forward on advance", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const clock = new SimClock(10);
    vi.advanceTimersByTime(100);
    expect(clock.now()).toBe(1_001_000);
    clock.advance(5_000);
    expect(clock.now()).toBe(1_006_000);
    clock.setSpeed(1);
    expect(clock.now()).toBe(1_006_000);
    vi.advanceTimersByTime(100);
    expect(clock.now()).toBe(1_006_100);
    expect(clock.speed).toBe(1);
  });

  it("phaseAt picks the last phase reached", () => {
    const phases = [
      { state: "new", afterMs: 0 },
      { state: "running", afterMs: 100 },
      { state: "done", afterMs: 300 },
    ] as const;
    expect([0, 99, 100, 299, 300, 1e9].map((ms) => phaseAt(ms, phases))).toEqual([
      "new",
      "new",
      "running",
      "running",
      "done",
      "done",
    ]);
    expect(() => phaseAt(0, [])).toThrow("at least one phase");
  });
});
