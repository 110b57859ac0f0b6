import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CALYPTIA_SEED, createCalyptiaSim } from "../../devkit/sim/calyptia.js";
import type { SimServer } from "../../devkit/sim/http.js";
import { createCalyptiaClient } from "../../src/api/calyptia/client.js";
import { Secret } from "../../src/lib/secret.js";
import { recordingSleep, testHttp } from "../helpers/api.js";
import { apiRejection as rejection } from "../helpers/transport.js";

const TOKEN = "calyptia-project-token-123";

let sim: SimServer;
let url: string;

beforeEach(async () => {
  sim = createCalyptiaSim({ token: TOKEN, settleMs: 1_000 });
  url = await sim.listen();
});
afterEach(async () => {
  await sim.close();
});

function client(
  overrides: { token?: string; authScheme?: "project-token" | "bearer"; paths?: Record<string, string> } = {},
) {
  const retry = recordingSleep();
  const { client, transport } = createCalyptiaClient(
    {
      baseUrl: url,
      token: new Secret(overrides.token ?? TOKEN),
      authScheme: overrides.authScheme ?? "project-token",
      paths: overrides.paths ?? {},
    },
    { http: testHttp, sleep: retry.sleep },
  );
  return { api: client, transport, delays: retry.delays };
}

describe("Calyptia client against the simulator", () => {
  it("creates and lists pipeline ports, sending the project token header", async () => {
    const { api } = client();
    const created = await api.createPipelinePort({
      pipelineID: CALYPTIA_SEED.pipelineId,
      protocol: "TCP",
      frontendPort: 24224,
      backendPort: 24224,
      endpoint: "forward.example.com",
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    const page = await api.listPipelinePorts({ pipelineID: CALYPTIA_SEED.pipelineId });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      id: created.id,
      protocol: "tcp",
      frontendPort: 24224,
      kind: "LoadBalancer",
    });
    expect(page.nextBefore).toBeUndefined();
    const sent = sim.requests.at(-1);
    expect(sent?.headers["x-project-token"]).toBe(TOKEN);
    expect(sent?.headers.authorization).toBeUndefined();
  });

  it("deletes a pipeline port (204, no body), and a port that is gone is the API's 404", async () => {
    const { api } = client();
    const created = await api.createPipelinePort({
      pipelineID: CALYPTIA_SEED.pipelineId,
      protocol: "udp",
      frontendPort: 5140,
      backendPort: 5140,
      endpoint: "syslog.example.com",
    });
    await expect(api.deletePipelinePort({ portID: created.id })).resolves.toBeUndefined();
    expect(sim.requests.at(-1)).toMatchObject({ method: "DELETE", url: `/v1/pipeline_ports/${created.id}` });
    expect((await api.listPipelinePorts({ pipelineID: CALYPTIA_SEED.pipelineId })).items).toEqual([]);
    const gone = await rejection(api.deletePipelinePort({ portID: created.id }));
    expect(gone).toMatchObject({ kind: "http", status: 404 });
    // Refused before sending: an ID that is not a UUID never reaches the path.
    const sent = sim.requests.length;
    expect(await rejection(api.deletePipelinePort({ portID: "../ports" }))).toMatchObject({
      kind: "invalid_request",
    });
    expect(sim.requests).toHaveLength(sent);
  });

  it("sends a user token as Bearer when configured", async () => {
    const { api } = client({ authScheme: "bearer" });
    await api.listPipelinePorts({ pipelineID: CALYPTIA_SEED.pipelineId });
    expect(sim.requests.at(-1)?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("follows Link-header pagination with the before cursor", async () => {
    const { api } = client();
    for (const p of [1001, 1002, 1003])
      await api.createPipelinePort({
        pipelineID: CALYPTIA_SEED.pipelineId,
        protocol: "udp",
        frontendPort: p,
        backendPort: p,
        endpoint: "e",
      });
    const first = await api.listPipelinePorts({ pipelineID: CALYPTIA_SEED.pipelineId, last: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextBefore).toBeDefined();
    const second = await api.listPipelinePorts({
      pipelineID: CALYPTIA_SEED.pipelineId,
      last: 2,
      before: first.nextBefore,
    });
    expect(second.items).toHaveLength(1);
    expect(second.nextBefore).toBeUndefined();
    const ids = new Set([...first.items, ...second.items].map((p) => p.frontendPort));
    expect(ids).toEqual(new Set([1001, 1002, 1003]));
  });

  it("reports a port conflict with the API's message and detail", async () => {
    const { api } = client();
    const port = {
      pipelineID: CALYPTIA_SEED.pipelineId,
      protocol: "tcp",
      frontendPort: 5000,
      backendPort: 5000,
      endpoint: "e",
    };
    await api.createPipelinePort(port);
    const error = await rejection(api.createPipelinePort(port));
    expect(error.kind).toBe("http");
    expect(error.status).toBe(409);
    expect(error.safeMessage).toContain("pipeline port already in use (protocol tcp, port 5000)");
    expect(error.retryable).toBe(false);
  });

  it("creates a core-instance check that moves new -> running -> ok", async () => {
    const { api } = client();
    const created = await api.createCoreInstanceCheck({
      coreInstanceID: CALYPTIA_SEED.coreInstanceId,
      protocol: "tcp",
      host: "db.internal",
      port: 5432,
    });
    const statusNow = async () =>
      (await api.listCoreInstanceChecks({ coreInstanceID: CALYPTIA_SEED.coreInstanceId })).items.find(
        (c) => c.id === created.id,
      )?.status;
    expect(await statusNow()).toBe("new");
    sim.clock.advance(400);
    expect(await statusNow()).toBe("running");
    sim.clock.advance(700);
    expect(await statusNow()).toBe("ok");
    const check = (await api.listCoreInstanceChecks({ coreInstanceID: CALYPTIA_SEED.coreInstanceId }))
      .items[0];
    expect(check?.retries).toBe(3);
  });

  it("requests a pipeline log that turns DONE, then updates and deletes it", async () => {
    const { api } = client();
    const request = await api.createPipelineLog({ pipelineID: CALYPTIA_SEED.pipelineId, lines: 5 });
    expect(sim.requests.at(-1)?.body).toBe(JSON.stringify({ lines: 5, logs: "" }));
    const fresh = await api.getPipelineLog({ pipelineLogID: request.id });
    expect(fresh.status).toBe("NEW");
    expect(fresh.logs).toBe("");
    sim.clock.advance(1_000);
    const done = await api.getPipelineLog({ pipelineLogID: request.id });
    expect(done.status).toBe("DONE");
    expect(done.logs.split("\n")).toHaveLength(5);
    const listed = await api.listPipelineLogs({ pipelineID: CALYPTIA_SEED.pipelineId, status: "DONE" });
    expect(listed.items.map((l) => l.id)).toContain(request.id);
    const updated = await api.updatePipelineLog({
      pipelineLogID: request.id,
      logs: "replaced",
      status: "DONE",
    });
    expect(Date.parse(updated.updatedAt)).not.toBeNaN();
    expect((await api.getPipelineLog({ pipelineLogID: request.id })).logs).toBe("replaced");
    const deleted = await api.deletePipelineLog({ pipelineLogID: request.id });
    expect(deleted.deleted).toBe(true);
    const gone = await rejection(api.getPipelineLog({ pipelineLogID: request.id }));
    expect(gone.status).toBe(404);
    expect(gone.safeMessage).toContain("pipeline log not found");
  });

  it("rejects an unknown token with a clear credentials error and does not echo the token", async () => {
    const { api } = client({ token: "wrong-token-value" });
    const error = await rejection(api.listPipelinePorts({ pipelineID: CALYPTIA_SEED.pipelineId }));
    expect(error.status).toBe(401);
    expect(error.safeMessage).toContain("credentials were rejected");
    expect(error.message).not.toContain("wrong-token-value");
  });

  it.each([
    [
      "a pipeline ID that is not a UUID",
      { pipelineID: "not-a-uuid", protocol: "tcp", frontendPort: 1, backendPort: 1, endpoint: "e" },
      "pipelineID",
    ],
    [
      "a port above 65535",
      {
        pipelineID: CALYPTIA_SEED.pipelineId,
        protocol: "tcp",
        frontendPort: 70000,
        backendPort: 1,
        endpoint: "e",
      },
      "frontendPort",
    ],
    [
      "a negative port",
      {
        pipelineID: CALYPTIA_SEED.pipelineId,
        protocol: "tcp",
        frontendPort: 1,
        backendPort: -1,
        endpoint: "e",
      },
      "backendPort",
    ],
    [
      "an unknown protocol",
      {
        pipelineID: CALYPTIA_SEED.pipelineId,
        protocol: "http",
        frontendPort: 1,
        backendPort: 1,
        endpoint: "e",
      },
      "protocol",
    ],
    [
      "an unknown kind",
      {
        pipelineID: CALYPTIA_SEED.pipelineId,
        protocol: "tcp",
        frontendPort: 1,
        backendPort: 1,
        endpoint: "e",
        kind: "Ingress",
      },
      "kind",
    ],
    [
      "an empty endpoint",
      {
        pipelineID: CALYPTIA_SEED.pipelineId,
        protocol: "tcp",
        frontendPort: 1,
        backendPort: 1,
        endpoint: "  ",
      },
      "endpoint",
    ],
  ])("refuses %s before sending", async (_label, input, field) => {
    const { api } = client();
    const error = await rejection(
      api.createPipelinePort(input as Parameters<typeof api.createPipelinePort>[0]),
    );
    expect(error.kind).toBe("invalid_request");
    expect(error.issues.map((i) => i.field)).toContain(field);
    expect(sim.requests).toHaveLength(0);
  });

  it.each([
    ["a host with an underscore", "bad_host"],
    ["an out-of-range IPv4", "300.1.1.1"],
    ["a label longer than 63", `${"a".repeat(64)}.example.com`],
  ])("refuses a check with %s", async (_label, host) => {
    const { api } = client();
    const error = await rejection(
      api.createCoreInstanceCheck({
        coreInstanceID: CALYPTIA_SEED.coreInstanceId,
        protocol: "udp",
        host,
        port: 53,
      }),
    );
    expect(error.issues[0]?.field).toBe("host");
    expect(sim.requests).toHaveLength(0);
  });

  it("refuses a log update with nothing to change", async () => {
    const { api } = client();
    const error = await rejection(api.updatePipelineLog({ pipelineLogID: CALYPTIA_SEED.pipelineId }));
    expect(error.safeMessage).toContain("give at least one of logs, lines or status");
  });

  it("uses a configured path override", async () => {
    const { api } = client({ paths: { listPipelinePorts: "/v1/aggregator_pipelines/{pipelineID}/ports" } });
    await api.listPipelinePorts({ pipelineID: CALYPTIA_SEED.pipelineId });
    expect(sim.requests.at(-1)?.url).toBe(`/v1/aggregator_pipelines/${CALYPTIA_SEED.pipelineId}/ports`);
    expect(() => client({ paths: { listPipelinePorts: "/v1/ports/{portID}" } })).toThrow(
      /CALYPTIA_API_PATHS/,
    );
  });
});
