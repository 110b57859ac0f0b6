import { request } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createOrchestrationSim,
  type OrchestrationSim,
  ORCHESTRATION_SEED as S,
  TOKEN_PATH,
} from "../../devkit/sim/orchestration.js";
import { createOrchestrationClient, type OrchestrationClient } from "../../src/api/orchestration/client.js";
import { Secret } from "../../src/lib/secret.js";
import { testHttp } from "../helpers/api.js";
import { apiRejection as rejection } from "../helpers/transport.js";

/** Both sides of the contract: the client refuses bad input before sending; the simulator is strict. */

const STATIC_TOKEN = "orchestration-static-token-2";
const at = { project_id: S.projectId, allocation_id: S.allocationId };
const P = S.payloads;

let sim: OrchestrationSim;
let url: string;

beforeEach(async () => {
  sim = createOrchestrationSim({
    staticToken: STATIC_TOKEN,
    clientId: "opsbot",
    clientSecret: "client-secret-2",
    refreshToken: "refresh-token-2",
  });
  url = await sim.listen();
});
afterEach(async () => {
  await sim.close();
});

function client(): OrchestrationClient {
  return createOrchestrationClient(
    {
      baseUrl: url,
      auth: { kind: "static", token: new Secret(STATIC_TOKEN) },
      projectId: undefined,
      allocationId: undefined,
      paths: {},
    },
    { http: testHttp },
  ).client;
}

const apiRequests = () => sim.requests.filter((r) => !r.url.startsWith(TOKEN_PATH));

type Call = (api: OrchestrationClient) => Promise<unknown>;
const goodSpec = { payload_spec: { image: "nginx:1.27" } };
const onPayload = { ...at, payload_id: P.casualHarbor };

describe("Orchestration input validation", () => {
  it.each<[string, Call, string]>([
    [
      "a label key with a bad character",
      (a) => a.setPayloadLabel({ ...onPayload, key: "bad key", value: "v" }),
      "key",
    ],
    [
      "a label key of 60 characters",
      (a) => a.setPayloadLabel({ ...onPayload, key: "k".repeat(60), value: "v" }),
      "key",
    ],
    [
      "a label value of 64 characters",
      (a) => a.setPayloadLabel({ ...onPayload, key: "k", value: "v".repeat(64) }),
      "value",
    ],
    ["a label value ending in -", (a) => a.setPayloadLabel({ ...onPayload, key: "k", value: "v-" }), "value"],
    [
      "an annotation key starting with .",
      (a) => a.setPayloadAnnotation({ ...onPayload, key: ".k", value: "x" }),
      "key",
    ],
    [
      "a project ID with capitals",
      (a) => a.listPayloads({ ...at, project_id: "Demo-Project" }),
      "project_id",
    ],
    [
      "an allocation ID that is not a UUID",
      (a) => a.listPayloads({ ...at, allocation_id: "alloc-1" }),
      "allocation_id",
    ],
    ["a payload ID of ..", (a) => a.getPayload({ ...at, payload_id: ".." }), "payload_id"],
    ["limit 0", (a) => a.listAllocations({ project_id: S.projectId, limit: 0 }), "limit"],
    ["limit 1001", (a) => a.listAllocations({ project_id: S.projectId, limit: 1001 }), "limit"],
    ["page_size 0", (a) => a.listArtefacts({ ...at, page_size: 0 }), "page_size"],
    ["page_size 1001", (a) => a.listArtefacts({ ...at, page_size: 1001 }), "page_size"],
    ["an image without a tag", (a) => a.updateAllocationImage({ ...at, image: "nginx" }), "image"],
    ["an image with spaces", (a) => a.updateAllocationImage({ ...at, image: "nginx: 1" }), "image"],
    [
      "an image of 513 characters",
      (a) => a.updateAllocationImage({ ...at, image: `${"a".repeat(509)}:1.0` }),
      "image",
    ],
    [
      "min_payloads above max_payloads",
      (a) =>
        a.createAllocation({
          project_id: S.projectId,
          spec: { ...goodSpec, min_payloads: 5, max_payloads: 2 },
        }),
      "spec.max_payloads",
    ],
    [
      "port 0",
      (a) =>
        a.createAllocation({
          project_id: S.projectId,
          spec: { payload_spec: { image: "nginx:1.27", ports: [{ name: "game", container_port: 0 }] } },
        }),
      "spec.payload_spec.ports.0.container_port",
    ],
    [
      "a memory that is not a quantity",
      (a) =>
        a.createAllocation({
          project_id: S.projectId,
          spec: { payload_spec: { image: "nginx:1.27", resources: { memory: "1 GB" } } },
        }),
      "spec.payload_spec.resources.memory",
    ],
    ["an update without a name", (a) => a.updateAllocation({ ...at, name: " ", spec: goodSpec }), "name"],
    [
      "a selector with a bad label key",
      (a) => a.createReservation({ ...at, selectors: [{ match_labels: { "-x": "1" } }] }),
      "selectors.0.match_labels.-x",
    ],
    [
      "reservation labels with a long value",
      (a) => a.createReservation({ ...at, payload_metadata: { labels: { k: "v".repeat(64) } } }),
      "payload_metadata.labels.k",
    ],
    ["an empty file_path", (a) => a.getArtefact({ ...onPayload, file_path: "" }), "file_path"],
  ])("refuses %s before sending", async (_label, call, field) => {
    const error = await rejection(call(client()));
    expect(error.kind).toBe("invalid_request");
    expect(error.issues.map((i) => i.field)).toContain(field);
    expect(sim.requests).toHaveLength(0);
  });

  it("accepts registry ports, nested paths, tags and digests in image references", async () => {
    const api = client();
    for (const image of [
      "nginx:1.27",
      "localhost:5000/a/b_c:latest",
      `ghcr.io/x/y:1.0@sha256:${"a".repeat(64)}`,
    ])
      await api.updateAllocationImage({ ...at, image });
    expect(apiRequests()).toHaveLength(3);
  });
});
/** A raw request to the simulator, bypassing the client's checks. */
async function raw(
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: string,
  init: { body?: string; type?: string; token?: string | null } = {},
) {
  const token = init.token === undefined ? STATIC_TOKEN : init.token;
  const res = await request(`${url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.body !== undefined ? { "content-type": init.type ?? "application/json" } : {}),
    },
    body: init.body ?? null,
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

describe("Orchestration simulator strictness", () => {
  const alloc = `/v0/projects/${S.projectId}/allocations/${S.allocationId}`;
  const label = `${alloc}/payloads/${P.casualHarbor}/metadata/label`;
  const portSpec = (port: Record<string, string>) =>
    JSON.stringify({
      spec: {
        payload_spec: { image: "nginx:1.27", ports: [{ name: "game", container_port: 7777, ...port }] },
      },
    });

  it("accepts every port policy and protocol the API knows, and an allocation ID in capitals", async () => {
    for (const port_policy of ["DYNAMIC", "PASSTHROUGH"])
      for (const protocol of ["UDP", "TCP", "TCPUDP"]) {
        const body = portSpec({ port_policy, protocol });
        expect((await raw("POST", `/v0/projects/${S.projectId}/allocations`, { body })).status).toBe(200);
      }
    const upper = `/v0/projects/${S.projectId}/allocations/${S.allocationId.toUpperCase()}`;
    expect((await raw("GET", upper)).status).toBe(200);
  });

  it.each<[string, Parameters<typeof raw>, number, string]>([
    ["no bearer token", ["GET", `${alloc}/payloads`, { token: null }], 401, "access token"],
    ["an unknown bearer token", ["GET", `${alloc}/payloads`, { token: "forged" }], 401, "access token"],
    [
      "an unknown top-level field",
      ["PUT", label, { body: '{"key":"a","value":"b","extra":1}' }],
      400,
      "extra",
    ],
    ["a missing required field", ["PUT", label, { body: '{"key":"a"}' }], 400, "value"],
    ["a wrong type", ["PUT", `${alloc}/enabled`, { body: '{"enabled":"yes"}' }], 400, "enabled"],
    ["a bad label key", ["PUT", label, { body: '{"key":"-a","value":"b"}' }], 400, "key"],
    [
      "a text content type",
      ["PUT", label, { body: '{"key":"a","value":"b"}', type: "text/plain" }],
      415,
      "Content-Type",
    ],
    ["limit 0", ["GET", `/v0/projects/${S.projectId}/allocations?limit=0`], 400, "limit"],
    ["limit 1001", ["GET", `/v0/projects/${S.projectId}/allocations?limit=1001`], 400, "limit"],
    ["a bad page_token", ["GET", `${alloc}/artefacts?page_token=bm9wZQ`], 400, "page_token"],
    [
      "force_delete=yes",
      ["DELETE", `${alloc}/payloads/${P.casualHarbor}?force_delete=yes`],
      400,
      "force_delete",
    ],
    [
      "an allocation ID that is not a UUID",
      ["GET", `/v0/projects/${S.projectId}/allocations/x/payloads`],
      400,
      "allocation_id",
    ],
    ["an unknown project", ["GET", "/v0/projects/other-project-1/allocations"], 404, "project"],
    ["a project ID with capitals", ["GET", "/v0/projects/Demo-Project/allocations"], 400, "project_id"],
    ["a project ID ending in -", ["GET", "/v0/projects/demo-/allocations"], 400, "project_id"],
    [
      "a port policy it does not know",
      ["POST", `/v0/projects/${S.projectId}/allocations`, { body: portSpec({ port_policy: "STATIC" }) }],
      400,
      "port_policy",
    ],
    [
      "a port protocol it does not know",
      ["POST", `/v0/projects/${S.projectId}/allocations`, { body: portSpec({ protocol: "SCTP" }) }],
      400,
      "protocol",
    ],
  ])("refuses %s", async (_label, args, status, mention) => {
    const answer = await raw(...args);
    expect(answer.status).toBe(status);
    expect(String(answer.body.message)).toContain(mention);
    expect(answer.body.request_id).toMatch(/^req-/);
  });

  it.each<[string, string, string, number, string]>([
    ["a JSON body", "application/json", '{"grant_type":"refresh_token"}', 400, "invalid_request"],
    [
      "another grant",
      "application/x-www-form-urlencoded",
      "grant_type=client_credentials",
      400,
      "unsupported_grant_type",
    ],
    [
      "a wrong client secret",
      "application/x-www-form-urlencoded",
      "grant_type=refresh_token&client_id=opsbot&client_secret=x&refresh_token=refresh-token-2",
      401,
      "invalid_client",
    ],
    [
      "a wrong refresh token",
      "application/x-www-form-urlencoded",
      "grant_type=refresh_token&client_id=opsbot&client_secret=client-secret-2&refresh_token=x",
      400,
      "invalid_grant",
    ],
    [
      "a repeated parameter",
      "application/x-www-form-urlencoded",
      "grant_type=refresh_token&grant_type=refresh_token",
      400,
      "invalid_request",
    ],
  ])("token endpoint refuses %s", async (_label, type, body, status, error) => {
    const answer = await raw("POST", TOKEN_PATH, { body, type, token: null });
    expect(answer).toMatchObject({ status, body: { error } });
  });

  it("issues a token that the API accepts until it expires", async () => {
    const form =
      "grant_type=refresh_token&client_id=opsbot&client_secret=client-secret-2&refresh_token=refresh-token-2";
    const issued = await raw("POST", TOKEN_PATH, {
      body: form,
      type: "application/x-www-form-urlencoded",
      token: null,
    });
    expect(issued.body).toMatchObject({ token_type: "Bearer", expires_in: 3600 });
    const token = String(issued.body.access_token);
    expect((await raw("GET", `${alloc}/payloads`, { token })).status).toBe(200);
    sim.clock.advance(3_600_000);
    expect((await raw("GET", `${alloc}/payloads`, { token })).status).toBe(401);
  });
});
