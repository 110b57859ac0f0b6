import { z } from "zod";
import { SimHttpError, SimServer } from "../../devkit/sim/http.js";
import { defineEndpoint } from "../../src/api/endpoint.js";
import { ApiError } from "../../src/api/errors.js";
import {
  type BackendAdapter,
  type CallInfo,
  Transport,
  type TransportOptions,
} from "../../src/api/transport.js";
import { Secret } from "../../src/lib/secret.js";

/** Test-only endpoints and a small simulator for exercising the transport over real sockets. */

export const TOKEN = "test-token-0123456789abcdef";

const item = z.object({ id: z.string(), name: z.string() });
const common = { backend: "calyptia", summary: "test endpoint", needsIdentity: false } as const;

export const testEndpoints = {
  getItem: defineEndpoint({
    ...common,
    id: "getItem",
    method: "GET",
    path: "/items/{id}",
    input: z.object({ id: z.string() }),
    response: item,
    retry: "safe",
  }),
  createItem: defineEndpoint({
    ...common,
    id: "createItem",
    method: "POST",
    path: "/items",
    input: z.object({ name: z.string() }),
    body: "json",
    response: item,
    retry: "unsafe",
  }),
  getSecure: defineEndpoint({
    ...common,
    id: "getSecure",
    method: "GET",
    path: "/secure",
    input: z.object({}),
    response: z.object({ ok: z.boolean() }),
    retry: "safe",
  }),
  echoError: defineEndpoint({
    ...common,
    id: "echoError",
    method: "GET",
    path: "/echo-error",
    input: z.object({}),
    response: z.unknown(),
    retry: "safe",
  }),
  search: defineEndpoint({
    ...common,
    id: "search",
    method: "GET",
    path: "/search/{scope}",
    input: z.object({
      scope: z.string(),
      tags: z.array(z.string()).optional(),
      flag: z.boolean().optional(),
      n: z.number().optional(),
      q: z.string().optional(),
    }),
    query: ["tags", "flag", "n", "q"],
    response: z.object({ url: z.string() }),
    retry: "safe",
  }),
  getText: defineEndpoint({
    ...common,
    id: "getText",
    method: "GET",
    path: "/format/{what}",
    input: z.object({ what: z.enum(["text", "json", "empty", "blank"]) }),
    responseFormat: "json-or-text",
    response: z.union([z.string(), item, z.null()]),
    retry: "safe",
  }),
  getEmpty: defineEndpoint({
    ...common,
    id: "getEmpty",
    method: "GET",
    path: "/format/{what}",
    input: z.object({ what: z.enum(["text", "json", "empty", "blank"]) }),
    responseFormat: "empty",
    response: z.null(),
    retry: "safe",
  }),
  getJson: defineEndpoint({
    ...common,
    id: "getJson",
    method: "GET",
    path: "/format/{what}",
    input: z.object({ what: z.enum(["text", "json", "empty", "blank"]) }),
    response: item,
    retry: "safe",
  }),
  getBig: defineEndpoint({
    ...common,
    id: "getBig",
    method: "GET",
    path: "/big",
    input: z.object({}),
    response: item,
    retry: "safe",
  }),
};

/** Routes for the endpoints above; `/secure` accepts only TOKEN. */
export function createTestSim(): SimServer {
  const sim = new SimServer({
    name: "transport-test",
    errorBody: (_status, message, extra) => ({ error: message, ...extra }),
  });
  const getItem = (id: string | undefined) => ({ status: 200, body: { id, name: "widget" } });
  sim
    .route("GET", "/items/:id", (req) => getItem(req.params.id))
    .route("GET", "/apps/api/items/:id", (req) => getItem(req.params.id))
    .route("POST", "/items", (req) => {
      const { name } = req.json() as { name: string };
      return { status: 201, body: { id: "new-1", name } };
    })
    .route("GET", "/secure", (req) => {
      if (req.headers["x-project-token"] !== TOKEN) throw new SimHttpError(401, "unauthenticated");
      return { status: 200, body: { ok: true } };
    })
    .route("GET", "/echo-error", (req) => {
      // A careless backend that echoes the credential it received, with a long stack trace.
      const token = String(req.headers["x-project-token"]);
      throw new SimHttpError(400, `bad request with token ${token}: ${"trace line ".repeat(100)}`, {
        request_id: "req-42",
      });
    })
    .route("GET", "/search/:scope", (req) => ({ status: 200, body: { url: `${req.path}` } }))
    .route("GET", "/format/:what", (req) => {
      switch (req.params.what) {
        case "text":
          return { status: 200, text: "plain words, not JSON" };
        case "json":
          return { status: 200, body: { id: "j", name: "json" } };
        case "blank":
          return { status: 200, text: "" };
        default:
          return { status: 204 };
      }
    })
    .route("GET", "/big", () => ({ status: 200, body: { id: "big", name: "x".repeat(5_000) } }));
  return sim;
}

export interface AdapterOptions {
  token?: string;
  reauthenticate?: (adapter: { token: string }) => Promise<boolean>;
}

export function testAdapter(options: AdapterOptions = {}): BackendAdapter & { token: string } {
  const state = { token: options.token ?? TOKEN };
  const reauth = options.reauthenticate;
  return Object.assign(state, {
    backend: "calyptia" as const,
    secrets: [new Secret(TOKEN), new Secret(state.token)],
    authHeaders: async () => ({ "x-project-token": state.token }),
    describeError: (body: unknown) => {
      if (body && typeof body === "object") {
        const { error, request_id } = body as { error?: unknown; request_id?: unknown };
        return {
          message: typeof error === "string" ? error : undefined,
          requestId: typeof request_id === "string" ? request_id : undefined,
        };
      }
      return {};
    },
    ...(reauth ? { reauthenticate: () => reauth(state) } : {}),
  });
}

export interface TestTransport {
  readonly transport: Transport;
  /** Delays the transport asked to sleep between tries (the sleep returns at once). */
  readonly delays: number[];
  readonly calls: CallInfo[];
}

export function testTransport(
  baseUrl: string,
  options: Partial<TransportOptions> & { realSleep?: boolean } = {},
): TestTransport {
  const delays: number[] = [];
  const calls: CallInfo[] = [];
  const { realSleep, ...rest } = options;
  const transport = new Transport({
    adapter: testAdapter(),
    baseUrl,
    connections: 4,
    timeouts: { connectMs: 1_000, headersMs: 250, bodyMs: 250 },
    ...(realSleep
      ? {}
      : {
          sleep: async (ms: number) => {
            delays.push(ms);
          },
        }),
    onCall: (info) => calls.push(info),
    ...rest,
  });
  return { transport, delays, calls };
}

/** The ApiError a promise rejects with (fails the test if it resolves or rejects with something else). */
export async function apiRejection(promise: Promise<unknown>): Promise<ApiError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!("error" in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  if (!(outcome.error instanceof ApiError)) throw outcome.error;
  return outcome.error;
}

/** The full-jitter bound of retry `n` (from 1) under a policy. */
export function jitterBound(n: number, baseDelayMs = 200, maxDelayMs = 2_000): number {
  return Math.min(maxDelayMs, baseDelayMs * 2 ** (n - 1));
}
