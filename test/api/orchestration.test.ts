import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createOrchestrationSim,
  type OrchestrationSim,
  ORCHESTRATION_SEED as S,
  TOKEN_PATH,
} from "../../devkit/sim/orchestration.js";
import {
  createOrchestrationClient,
  describeOrchestrationError,
  type OrchestrationClient,
} from "../../src/api/orchestration/client.js";
import { PAYLOAD_STATES } from "../../src/api/orchestration/schemas.js";
import type { OrchestrationSettings } from "../../src/app/config.js";
import { Secret } from "../../src/lib/secret.js";
import { recordingSleep, testHttp } from "../helpers/api.js";
import { apiRejection as rejection } from "../helpers/transport.js";

const STATIC_TOKEN = "orchestration-static-token-1";
const at = { project_id: S.projectId, allocation_id: S.allocationId };
const P = S.payloads;

let sim: OrchestrationSim;
let url: string;

beforeEach(async () => {
  sim = createOrchestrationSim({
    staticToken: STATIC_TOKEN,
    clientId: "opsbot",
    clientSecret: "client-secret-1",
    refreshToken: "refresh-token-1",
    settleMs: 1_000,
  });
  url = await sim.listen();
});
afterEach(async () => {
  await sim.close();
});

function client(overrides: Partial<OrchestrationSettings> = {}) {
  const retry = recordingSleep();
  const settings: OrchestrationSettings = {
    baseUrl: url,
    auth: { kind: "static", token: new Secret(STATIC_TOKEN) },
    projectId: S.projectId,
    allocationId: S.allocationId,
    paths: {},
    ...overrides,
  };
  const { client } = createOrchestrationClient(settings, { http: testHttp, sleep: retry.sleep });
  return client;
}

/** Requests to the API itself (the token endpoint shares the server). */
const apiRequests = () => sim.requests.filter((r) => !r.url.startsWith(TOKEN_PATH));
const last = () => apiRequests().at(-1);
const lastBody = () => JSON.parse(last()?.body ?? "null") as unknown;

const stateOf = async (api: OrchestrationClient, payload_id: string) =>
  (await api.getPayload({ ...at, payload_id })).status?.state;

describe("Orchestration payloads", () => {
  it("lists and gets payloads with the bearer token", async () => {
    const api = client();
    const payloads = await api.listPayloads(at);
    expect(payloads.map((p) => p.id)).toEqual(Object.values(P));
    expect(last()).toMatchObject({
      method: "GET",
      url: `/v0/projects/${S.projectId}/allocations/${S.allocationId}/payloads`,
    });
    expect(last()?.headers.authorization).toBe(`Bearer ${STATIC_TOKEN}`);
    for (const p of payloads) expect(PAYLOAD_STATES).toContain(p.status?.state);

    const one = await api.getPayload({ ...at, payload_id: P.rankedHarbor });
    expect(one).toMatchObject({ id: P.rankedHarbor, allocation_id: S.allocationId });
    expect(one.status).toMatchObject({ state: "Reserved", address: "203.0.113.12" });
    expect(one.metadata?.labels).toEqual({ mode: "ranked", map: "harbor" });
    expect(one.payload_spec?.image).toBe(S.image);
    expect(last()?.url).toBe(
      `/v0/projects/${S.projectId}/allocations/${S.allocationId}/payloads/${P.rankedHarbor}`,
    );
  });

  it("sets labels and annotations with PUT {key, value}, overwriting existing keys", async () => {
    const api = client();
    const target = { ...at, payload_id: P.casualHarbor };
    expect(await api.setPayloadLabel({ ...target, key: "mode", value: "ranked" })).toBeUndefined();
    expect(last()).toMatchObject({
      method: "PUT",
      url: expect.stringMatching(/\/payloads\/[^/]+\/metadata\/label$/),
    });
    expect(lastBody()).toEqual({ key: "mode", value: "ranked" });
    await api.setPayloadLabel({ ...target, key: "empty.ok", value: "" });
    await api.setPayloadAnnotation({ ...target, key: "note", value: "any text: { } / é" });
    expect(last()?.url).toMatch(/\/metadata\/annotation$/);
    const meta = (await api.getPayload(target)).metadata;
    expect(meta?.labels).toEqual({ mode: "ranked", map: "harbor", "empty.ok": "" });
    expect(meta?.annotations).toEqual({ note: "any text: { } / é" });
  });

  it("deletes a Ready payload asynchronously: Shutdown (listed, not reservable), then gone", async () => {
    const api = client();
    const target = { ...at, payload_id: P.casualHarbor };
    await api.deletePayload({ ...target, force_delete: false });
    expect(last()).toMatchObject({ method: "DELETE", url: expect.not.stringContaining("force_delete") });
    expect((await api.listPayloads(at)).find((p) => p.id === P.casualHarbor)?.status?.state).toBe("Shutdown");
    // The other harbor payload is Reserved: the one shutting down must not be handed out.
    const harbor = { ...at, selectors: [{ match_labels: { map: "harbor" } }] };
    expect((await rejection(api.createReservation(harbor))).status).toBe(412);
    sim.clock.advance(1_000);
    expect((await rejection(api.getPayload(target))).status).toBe(404);
  });

  it("refuses to delete a Reserved payload without force_delete, and deletes it with", async () => {
    const api = client();
    const target = { ...at, payload_id: P.rankedHarbor };
    const refused = await rejection(api.deletePayload(target));
    expect(refused.status).toBe(412);
    expect(refused.safeMessage).toContain("force_delete=true");
    expect(refused.requestId).toMatch(/^req-/);
    await api.deletePayload({ ...target, force_delete: true });
    expect(last()?.url).toMatch(/\/payloads\/[^/?]+\?force_delete=true$/);
    expect(await stateOf(api, P.rankedHarbor)).toBe("Shutdown");
  });
});

describe("Orchestration reservations", () => {
  it("tries the selectors in order and applies payload_metadata", async () => {
    const api = client();
    const reservation = await api.createReservation({
      ...at,
      payload_metadata: { labels: { match: "m-42" }, annotations: { players: "alice,bob" } },
      selectors: [{ match_labels: { map: "volcano" } }, { match_labels: { mode: "ranked" } }],
    });
    expect(lastBody()).toEqual({
      payload_metadata: { labels: { match: "m-42" }, annotations: { players: "alice,bob" } },
      selectors: [{ match_labels: { map: "volcano" } }, { match_labels: { mode: "ranked" } }],
    });
    // rankedHarbor is already Reserved: the only Ready ranked payload is rankedDesert.
    expect(reservation).toEqual({
      payload_id: P.rankedDesert,
      payload_address: "203.0.113.13",
      payload_ports: [{ name: "game", port: 30_003 }],
    });
    const payload = await api.getPayload({ ...at, payload_id: P.rankedDesert });
    expect(payload.status?.state).toBe("Reserved");
    expect(payload.metadata?.labels).toMatchObject({ mode: "ranked", match: "m-42" });

    await api.deleteReservation({ ...at, payload_id: P.rankedDesert });
    expect(last()).toMatchObject({ method: "DELETE", url: expect.stringMatching(/\/reservation$/) });
    expect(await stateOf(api, P.rankedDesert)).toBe("Ready");
    expect((await rejection(api.deleteReservation({ ...at, payload_id: P.rankedDesert }))).status).toBe(412);
  });

  it("answers 412 when no selector matches a Ready payload, and takes any Ready one without selectors", async () => {
    const api = client();
    const error = await rejection(
      api.createReservation({ ...at, selectors: [{ match_labels: { mode: "ranked", map: "harbor" } }] }),
    );
    expect(error.status).toBe(412);
    expect(error.safeMessage).toContain("no Ready payload matches any of the 1 selectors");
    expect((await api.createReservation(at)).payload_id).toBe(P.casualHarbor);
    expect(lastBody()).toEqual({});
  });
});

describe("Orchestration allocations", () => {
  const spec = {
    region: "eu-west",
    payload_spec: {
      image: "registry.example.com:5000/games/arena-server:2.0.0",
      command: "/srv/arena",
      args: ["--tickrate", "60"],
      ports: [
        { name: "game", container_port: 7777, port_policy: "DYNAMIC" as const, protocol: "UDP" as const },
      ],
      resources: { cpu: "500m", memory: "1Gi" },
      environment_variables: [{ name: "LOG_LEVEL", value: "info" }],
    },
    buffer_size: 2,
    min_payloads: 1,
    max_payloads: 4,
  };

  it("lists with a limit and creates an allocation that goes New -> Running", async () => {
    const api = client();
    expect(await api.listAllocations({ project_id: S.projectId, limit: 2 })).toHaveLength(2);
    expect(last()?.url).toBe(`/v0/projects/${S.projectId}/allocations?limit=2`);
    expect((await api.listAllocations({ project_id: S.projectId })).map((a) => a.status?.state)).toEqual([
      "Running",
      "Running",
      "Disabled",
    ]);
    expect(last()?.url).toBe(`/v0/projects/${S.projectId}/allocations`);

    const created = await api.createAllocation({ project_id: S.projectId, name: "arena-asia", spec });
    expect(last()?.method).toBe("POST");
    expect(lastBody()).toEqual({ name: "arena-asia", spec });
    expect(created).toMatchObject({ name: "arena-asia", status: { state: "New" } });
    expect(created.spec?.payload_spec?.ports?.[0]?.container_port).toBe(7777);
    const id = created.id ?? "";
    sim.clock.advance(1_000);
    expect((await api.getAllocation({ project_id: S.projectId, allocation_id: id })).status?.state).toBe(
      "Running",
    );
  });

  it("updates, disables, re-images and deletes an allocation through its states", async () => {
    const api = client();
    const state = async () => (await api.getAllocation(at)).status?.state;
    const updated = await api.updateAllocation({
      ...at,
      name: "arena-eu-2",
      spec,
      metadata: { labels: { a: "b" } },
    });
    expect(last()).toMatchObject({
      method: "PUT",
      url: `/v0/projects/${S.projectId}/allocations/${S.allocationId}`,
    });
    expect(lastBody()).toEqual({ name: "arena-eu-2", spec, metadata: { labels: { a: "b" } } });
    expect(updated).toMatchObject({ name: "arena-eu-2", status: { state: "Updating" } });
    sim.clock.advance(1_000);

    await api.setAllocationEnabled({ ...at, enabled: false });
    expect(last()?.url).toMatch(/\/enabled$/);
    expect(lastBody()).toEqual({ enabled: false });
    expect(await state()).toBe("Draining");
    sim.clock.advance(1_000);
    expect(await state()).toBe("Disabled");
    await api.setAllocationEnabled({ ...at, enabled: true });
    sim.clock.advance(1_000);

    const image =
      "ghcr.io/acme/arena@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    await api.updateAllocationImage({ ...at, image });
    expect(last()?.url).toMatch(/\/image$/);
    expect(lastBody()).toEqual({ image });
    expect(await state()).toBe("Updating");
    sim.clock.advance(1_000);
    const after = await api.getAllocation(at);
    expect(after.status?.state).toBe("Running");
    expect(after.spec?.payload_spec?.image).toBe(image);

    await api.deleteAllocation(at);
    expect(last()?.method).toBe("DELETE");
    expect(await state()).toBe("Draining");
    sim.clock.advance(1_000);
    expect((await rejection(api.getAllocation(at))).status).toBe(404);
  });
});

describe("Orchestration artefacts", () => {
  it("pages through artefacts with page_token and filters by payload", async () => {
    const api = client();
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await api.listArtefacts({ ...at, page_size: 4, ...(token ? { page_token: token } : {}) });
      for (const a of page.items) seen.push(`${a.payload_id}/${a.file_path}`);
      token = page.nextPageToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(9);
    expect(new Set(seen).size).toBe(9);
    expect(last()?.url).toMatch(/\/artefacts\?page_size=4&page_token=[\w-]+$/);

    const filtered = await api.listArtefacts({ ...at, payload_id: P.casualDesert });
    expect(filtered.items.map((a) => a.file_path)).toContain("crash/minidump-0001.dmp");
    expect(filtered.items.every((a) => a.payload_id === P.casualDesert)).toBe(true);
    expect(filtered.nextPageToken).toBeUndefined();
    expect(typeof filtered.items[0]?.size_bytes).toBe("number");
  });

  it("gets one artefact by file_path and answers 404 for an absent one", async () => {
    const api = client();
    const found = await api.getArtefact({
      ...at,
      payload_id: P.casualDesert,
      file_path: "crash/minidump-0001.dmp",
    });
    expect(found).toMatchObject({ payload_id: P.casualDesert, file_path: "crash/minidump-0001.dmp" });
    expect(last()?.url).toBe(
      `/v0/projects/${S.projectId}/allocations/${S.allocationId}/payloads/${P.casualDesert}/artefact?file_path=crash%2Fminidump-0001.dmp`,
    );
    const missing = await rejection(
      api.getArtefact({ ...at, payload_id: P.casualHarbor, file_path: "nope.log" }),
    );
    expect(missing.status).toBe(404);
    expect(missing.safeMessage).toContain("artefact nope.log");
  });
});

const onPayload = { ...at, payload_id: P.casualHarbor };

describe("Orchestration transport behaviour", () => {
  it("retries a read on 503 but never a write", async () => {
    const api = client();
    sim.setFaults([{ kind: "error", status: 503, times: 1 }]);
    expect(await api.listPayloads(at)).toHaveLength(4);
    expect(apiRequests().map((r) => r.status)).toEqual([503, 200]);

    sim.clearRequests();
    sim.setFaults([{ kind: "error", status: 503, times: 1 }]);
    const error = await rejection(api.setPayloadLabel({ ...onPayload, key: "k", value: "v" }));
    expect(error.status).toBe(503);
    expect(error.tries).toBe(1);
    expect(apiRequests()).toHaveLength(1);
  });

  it("reads request_id from IMS and grpc-gateway error bodies", async () => {
    const api = client();
    const ims = await rejection(api.getPayload({ ...at, payload_id: "missing" }));
    expect(ims.requestId).toMatch(/^req-[0-9a-f-]{36}$/);
    expect(ims.userMessage()).toContain(`request ID ${ims.requestId}`);
    sim.errorStyle = "grpc-gateway";
    const grpc = await rejection(api.getPayload({ ...at, payload_id: "missing" }));
    expect(grpc.requestId).toMatch(/^req-/);
    expect(grpc.safeMessage).toContain("payload missing not found in allocation");
    expect(grpc.safeMessage).toContain("(NOT_FOUND)");
    expect(describeOrchestrationError("upstream exploded\nstack")).toEqual({ message: "upstream exploded" });
    expect(describeOrchestrationError("<html>oops</html>")).toEqual({});
  });

  it("rejects with not_configured naming the variables to set, sending nothing", async () => {
    const noUrl = await rejection(client({ baseUrl: undefined }).listPayloads(at));
    expect(noUrl.kind).toBe("not_configured");
    expect(noUrl.safeMessage).toBe("the Orchestration API is not configured (set ORCHESTRATION_API_URL)");
    const noAuth = await rejection(client({ auth: { kind: "none" } }).createReservation(at));
    expect(noAuth.safeMessage).toContain("ORCHESTRATION_API_TOKEN or ORCHESTRATION_CLIENT_ID");
    expect(sim.requests).toHaveLength(0);
  });

  it("checks path overrides against the placeholders", async () => {
    expect(() => client({ paths: { getPayload: "/v0/payloads/{payload_id}" } })).toThrow(
      /ORCHESTRATION_API_PATHS/,
    );
    const api = client({ paths: { listAllocations: "/v0/projects/{project_id}/allocations" } });
    await api.listAllocations({ project_id: S.projectId, limit: 1 });
    expect(last()?.url).toBe(`/v0/projects/${S.projectId}/allocations?limit=1`);
  });
});

describe("Orchestration simulator paging, over raw HTTP (past the client's own checks)", () => {
  const raw = async (path: string) => {
    const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${STATIC_TOKEN}` } });
    return { status: res.status, text: await res.text() };
  };
  const allocations = `/v0/projects/${S.projectId}/allocations`;
  const artefacts = `${allocations}/${S.allocationId}/artefacts`;

  it.each([
    [`${allocations}?limit=0`, "limit must be between 1 and 1000"],
    [`${allocations}?limit=1001`, "limit must be between 1 and 1000"],
    [`${allocations}?limit=2.5`, "limit must be between 1 and 1000"],
    [`${artefacts}?page_size=-1`, "page_size must be between 1 and 1000"],
    [`${artefacts}?page_size=1001`, "page_size must be between 1 and 1000"],
    [`${artefacts}?page_token=bm9wZQ`, "invalid page_token"],
    [`${artefacts}?page_token=${Buffer.from("offset:999999").toString("base64url")}`, "invalid page_token"],
  ])("refuses %s with 400", async (path, message) => {
    const res = await raw(path);
    expect(res.status).toBe(400);
    expect(res.text).toContain(message);
  });

  it("takes the bounds themselves", async () => {
    expect((await raw(`${allocations}?limit=1000`)).status).toBe(200);
    expect((await raw(`${artefacts}?page_size=1`)).status).toBe(200);
  });
});
