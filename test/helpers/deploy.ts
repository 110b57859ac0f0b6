import { afterEach, beforeEach, expect } from "vitest";
import { createDeploySim, type DeploySimOptions } from "../../devkit/sim/deploy.js";
import type { SimServer } from "../../devkit/sim/http.js";
import { createDeployClient } from "../../src/api/deploy/client.js";
import { deployEndpoints } from "../../src/api/deploy/endpoints.js";
import { ApiError } from "../../src/api/errors.js";
import { identityFromEmail } from "../../src/api/identity.js";
import { recordingSleep, testHttp } from "./api.js";

/** Simulated ms a deploy or run takes to settle in the Deploy tests. */
export const SETTLE = 900;
export const ALICE = "alice@example.com";
export const alice = { identity: identityFromEmail(ALICE) };

export interface SentRequest {
  readonly method: string;
  readonly url: string;
  readonly identity: string | string[] | undefined;
  readonly cookie: string | undefined;
  readonly form: Record<string, string> | undefined;
}

/** A fresh Deploy simulator per test, and clients pointed at it. */
export function deployHarness(defaults: DeploySimOptions = {}) {
  let sim: SimServer | undefined;
  let url = "";
  const covered = new Set<string>();
  const harness = {
    /** Operation ids that got a 2xx answer in this file. */
    covered,
    get sim(): SimServer {
      if (!sim) throw new Error("the simulator is not running");
      return sim;
    },
    get url(): string {
      return url;
    },
    async restart(options: DeploySimOptions = {}) {
      await sim?.close();
      sim = createDeploySim({ settleMs: SETTLE, ...defaults, ...options });
      url = await sim.listen();
    },
    client(baseUrl: string = url, paths: Record<string, string> = {}) {
      const retry = recordingSleep();
      const handle = createDeployClient(
        { baseUrl, paths },
        {
          http: testHttp,
          sleep: retry.sleep,
          onCall: (info) => info.outcome === "ok" && covered.add(info.operation),
        },
      );
      return { api: handle.client, transport: handle.transport, delays: retry.delays };
    },
    /** The last request the simulator received, with its form fields decoded. */
    async lastSent(): Promise<SentRequest> {
      const req = harness.sim.requests.at(-1);
      if (!req) throw new Error("nothing was sent");
      let form: Record<string, string> | undefined;
      if (req.method === "POST") {
        const parsed = await new Request("http://sim/", {
          method: "POST",
          headers: { "content-type": String(req.headers["content-type"]) },
          body: req.body,
        }).formData();
        form = Object.fromEntries([...parsed.entries()].map(([k, v]) => [k, String(v)]));
      }
      return {
        method: req.method,
        url: req.url,
        identity: req.headers.identity,
        cookie: req.headers.cookie,
        form,
      };
    },
  };
  beforeEach(() => harness.restart());
  afterEach(async () => {
    // Whatever the test did: protected routes carried an identity, the others none.
    for (const req of sim?.requests ?? []) {
      const endpoint = endpointFor(req.method, req.url);
      const sentIdentity = req.headers.identity !== undefined || req.headers.cookie !== undefined;
      expect({ route: `${req.method} ${req.url}`, sentIdentity }).toEqual({
        route: `${req.method} ${req.url}`,
        sentIdentity: endpoint?.needsIdentity ?? false,
      });
    }
    await sim?.close();
    sim = undefined;
  });
  return harness;
}

const routes = Object.values(deployEndpoints).map((endpoint) => ({
  endpoint,
  // Any prefix (e.g. /apps/deploy-api), then the template with one segment per placeholder.
  pattern: new RegExp(`^(?:/[^/]+)*?${endpoint.path.replace(/\{[^}]+\}/g, "[^/]+")}$`),
}));

function endpointFor(method: string, url: string) {
  return routes.find((r) => r.endpoint.method === method && r.pattern.test(url.split("?")[0] ?? ""))
    ?.endpoint;
}

export async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

export function idOf(result: { id?: string | undefined }): string {
  if (!result.id) throw new Error("no id in the answer");
  return result.id;
}
