import { afterEach, describe, expect, it } from "vitest";
import { createCalyptiaSim } from "../../../devkit/sim/calyptia.js";
import { createDeploySim } from "../../../devkit/sim/deploy.js";
import { routePattern, type SimServer } from "../../../devkit/sim/http.js";
import { createOrchestrationSim, TOKEN_PATH } from "../../../devkit/sim/orchestration.js";
import { calyptiaEndpoints } from "../../../src/api/calyptia/endpoints.js";
import { deployEndpoints } from "../../../src/api/deploy/endpoints.js";
import type { AnyEndpoint, Backend } from "../../../src/api/endpoint.js";
import { orchestrationEndpoints } from "../../../src/api/orchestration/endpoints.js";
import { placeholdersOf, renderPath } from "../../../src/api/path.js";

/**
 * Every endpoint of the three endpoint maps has a simulator route at its method and path, and every
 * simulator route is an endpoint of its map. Requests are sent without credentials or bodies, so they
 * are refused (401, 400, 404, 415) before a handler changes anything.
 */

interface Case {
  readonly name: string;
  readonly backend: Backend;
  readonly endpoints: Readonly<Record<string, AnyEndpoint>>;
  readonly create: () => SimServer;
  /** The base path the simulator is served under. */
  readonly prefix: string;
  /** Routes a simulator serves beyond its endpoint map. */
  readonly extraRoutes: readonly string[];
  /** Whether an error body is the router's own 404 for `path` (not a handler's "not found"). */
  readonly isNoRoute: (body: unknown, path: string) => boolean;
}

const field = (body: unknown, name: string) =>
  body && typeof body === "object" ? (body as Record<string, unknown>)[name] : undefined;

const cases: readonly Case[] = [
  {
    name: "calyptia",
    backend: "calyptia",
    endpoints: calyptiaEndpoints,
    create: () => createCalyptiaSim({ token: "coverage-token" }),
    prefix: "",
    extraRoutes: [],
    // The Calyptia simulator answers an unknown route as the API does: {"error": "not found"}.
    isNoRoute: (body) => field(body, "error") === "not found",
  },
  {
    name: "deploy",
    backend: "deploy",
    endpoints: deployEndpoints,
    create: () => createDeploySim(),
    prefix: "",
    extraRoutes: [],
    isNoRoute: (body, path) => field(body, "error") === `no route for ${path}`,
  },
  {
    name: "deploy under a path prefix",
    backend: "deploy",
    endpoints: deployEndpoints,
    create: () => createDeploySim({ pathPrefix: "/apps/deploy-api" }),
    prefix: "/apps/deploy-api",
    extraRoutes: [],
    isNoRoute: (body, path) => field(body, "error") === `no route for ${path}`,
  },
  {
    name: "orchestration",
    backend: "orchestration",
    endpoints: orchestrationEndpoints,
    create: () =>
      createOrchestrationSim({
        clientId: "coverage-client",
        clientSecret: "coverage-secret",
        refreshToken: "coverage-refresh",
      }),
    prefix: "",
    extraRoutes: [`POST ${TOKEN_PATH}`],
    isNoRoute: (body, path) => field(body, "message") === `no route for ${path}`,
  },
];

/** The endpoint's path as the client sends it: a `{name*}` value with a `/` goes out as `%2F`. */
/** A value for each placeholder: a few need their own shape, every other ID is a UUID. */
const SAMPLE_UUID = "0e7f1c2d-3b4a-4c5d-8e6f-7a8b9c0d1eff";

function samplePath(endpoint: AnyEndpoint): string {
  const uuids = Object.fromEntries(placeholdersOf(endpoint.path).map((p) => [p.name, SAMPLE_UUID]));
  return renderPath(endpoint.path, {
    ...uuids,
    repository: "coverage-repo",
    directory: "jobs/nightly",
    namespace: "coverage",
    name: "coverage-name",
    id: "coverage-id",
    work_id: "coverage-work",
    pipelineID: "6f1c3f3e-8a53-4c33-9f0f-2b6c2d1e9aff",
    coreInstanceID: "a3e2b1c4-5d6e-4f70-8a9b-c0d1e2f3a4ff",
    pipelineLogID: "0d4a6b1e-2f7c-4e3a-b5d8-9c1e7f2a3bff",
    project_id: "coverage-project",
    allocation_id: "7c9e6679-7425-40de-944b-e07fc1f90aff",
    payload_id: "coverage-payload",
  });
}

async function send(sim: SimServer, method: string, path: string) {
  const res = await fetch(`${sim.url}${path}`, { method });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // a text answer stays text
  }
  return { status: res.status, body };
}

let running: SimServer | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe.each(cases)("the $name simulator", (c) => {
  const endpoints = Object.values(c.endpoints);

  it("is checked against a non-empty endpoint map of its own backend", () => {
    expect(endpoints.length).toBeGreaterThan(0);
    expect(endpoints.length).toBe(Object.keys(c.endpoints).length);
    for (const endpoint of endpoints) expect(endpoint.backend, endpoint.id).toBe(c.backend);
  });

  it("routes every endpoint's method and path to that endpoint's own route", () => {
    const sim = c.create();
    let checked = 0;
    for (const endpoint of endpoints) {
      const path = c.prefix + samplePath(endpoint);
      expect(sim.resolve(endpoint.method, path), `${endpoint.id}: ${endpoint.method} ${path}`).toEqual({
        method: endpoint.method,
        template: c.prefix + routePattern(endpoint.path),
      });
      checked++;
    }
    expect(checked).toBe(Object.keys(c.endpoints).length);
    // The router does refuse what it does not serve, so the checks above can fail.
    expect(sim.resolve("GET", `${c.prefix}/v9/no/such/route`)).toBeUndefined();
    expect(sim.resolve("PATCH", c.prefix + samplePath(endpoints[0] as AnyEndpoint))).toBeUndefined();
  });

  it("answers every endpoint's request from a handler, never with the router's 404 or 405", async () => {
    const sim = c.create();
    running = sim;
    await sim.listen();
    const unknown = `${c.prefix}/v9/no/such/route`;
    const control = await send(sim, "GET", unknown);
    expect(control.status).toBe(404);
    expect(c.isNoRoute(control.body, unknown)).toBe(true);

    const answered: string[] = [];
    for (const endpoint of endpoints) {
      const path = c.prefix + samplePath(endpoint);
      const res = await send(sim, endpoint.method, path);
      const what = `${endpoint.id}: ${endpoint.method} ${path} -> ${res.status} ${JSON.stringify(res.body)}`;
      expect(res.status, what).not.toBe(405);
      expect(res.status === 404 && c.isNoRoute(res.body, path), what).toBe(false);
      answered.push(endpoint.id);
    }
    expect(answered).toEqual(Object.keys(c.endpoints));
  });

  it("serves no route that its endpoint map does not declare", () => {
    const served = c
      .create()
      .routes.map((r) => `${r.method} ${r.template}`)
      .sort();
    const declared = [
      ...endpoints.map((e) => `${e.method} ${c.prefix}${routePattern(e.path)}`),
      ...c.extraRoutes,
    ].sort();
    expect(served).toEqual(declared);
  });
});
