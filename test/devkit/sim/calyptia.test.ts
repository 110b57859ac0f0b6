import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCalyptiaSim, CALYPTIA_SEED as S } from "../../../devkit/sim/calyptia.js";
import type { SimServer } from "../../../devkit/sim/http.js";

/** The Calyptia simulator over raw HTTP, bypassing the client's checks: as strict as the API. */

const TOKEN = "calyptia-sim-token";
let sim: SimServer;
let url: string;

beforeEach(async () => {
  sim = createCalyptiaSim({ token: TOKEN });
  url = await sim.listen();
});
afterEach(() => sim.close());

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      "x-project-token": TOKEN,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const ports = `/v1/aggregator_pipelines/${S.pipelineId}/ports`;
const checks = `/v1/core_instances/${S.coreInstanceId}/checks`;
const logs = `/v1/pipelines/${S.pipelineId}/logs`;
const goodPort = { protocol: "tcp", frontendPort: 24224, backendPort: 24224, endpoint: "lb.example" };
const goodCheck = { protocol: "tcp", host: "db.internal", port: 5432 };

describe("Calyptia simulator strictness", () => {
  it.each<[string, string, string, unknown, string]>([
    ["a port kind it does not know", "POST", ports, { ...goodPort, kind: "ExternalName" }, "pipeline port"],
    ["a check protocol in capitals", "POST", checks, { ...goodCheck, protocol: "TCP" }, "check protocol"],
    ["a check status it does not know", "POST", checks, { ...goodCheck, status: "done" }, "check status"],
    ["a check port above 65535", "POST", checks, { ...goodCheck, port: 65_536 }, "check port"],
    ["a fractional check port", "POST", checks, { ...goodCheck, port: 80.5 }, "check port"],
    ["a check host that is not a host name", "POST", checks, { ...goodCheck, host: "a b" }, "check host"],
    ["a log status in lower case", "GET", `${logs}?status=done`, undefined, "log status"],
    ["a pipeline ID that is not a UUID", "GET", "/v1/aggregator_pipelines/x/ports", undefined, "pipeline ID"],
    ["a negative last", "GET", `${ports}?last=-1`, undefined, "invalid argument"],
    ["a fractional last on checks", "GET", `${checks}?last=1.5`, undefined, "invalid argument"],
    ["a last on logs that is not a number", "GET", `${logs}?last=ten`, undefined, "invalid argument"],
    ["a cursor it never gave", "GET", `${ports}?before=bm9wZQ`, undefined, "decode cursor"],
    ["a log cursor it never gave", "GET", `${logs}?before=bm9wZQ`, undefined, "decode cursor"],
  ])("refuses %s with 400", async (_label, method, path, body, mention) => {
    const res = await call(method, path, body);
    expect(res.status).toBe(400);
    expect(String(res.body.error)).toContain(mention);
  });

  it("refuses a log update to a status it does not know", async () => {
    const created = await call("POST", logs, { logs: "", lines: 5 });
    const id = String(created.body.id);
    const res = await call("PATCH", `/v1/pipeline_logs/${id}`, { status: "done" });
    expect(res).toMatchObject({ status: 400, body: { error: "invalid pipeline logs" } });
    expect(String(res.body.detail)).toContain("status");
  });

  it("accepts every kind, check status and log status the API knows", async () => {
    for (const [i, kind] of ["LoadBalancer", "ClusterIP", "NodePort"].entries())
      expect((await call("POST", ports, { ...goodPort, frontendPort: 1000 + i, kind })).status).toBe(201);
    for (const status of ["new", "failed", "running", "ok"])
      expect((await call("POST", checks, { ...goodCheck, protocol: "udp", status })).status).toBe(201);
    for (const status of ["NEW", "DONE"])
      expect((await call("GET", `${logs}?status=${status}`)).status).toBe(200);
    expect((await call("POST", checks, { ...goodCheck, port: 0 })).status).toBe(201);
    expect((await call("POST", checks, { ...goodCheck, port: 65_535 })).status).toBe(201);
  });
});

describe("Calyptia simulator paging", () => {
  it("pages log requests newest first with last and before, the next cursor in endCursor", async () => {
    for (const lines of [1, 2, 3]) expect((await call("POST", logs, { logs: "", lines })).status).toBe(201);
    const first = await call("GET", `${logs}?last=2`);
    const items = first.body.items as { lines: number }[];
    expect(items).toHaveLength(2);
    expect(first.body.count).toBe(3);
    expect(typeof first.body.endCursor).toBe("string");
    const second = await call("GET", `${logs}?last=2&before=${String(first.body.endCursor)}`);
    const rest = second.body.items as { lines: number }[];
    expect(rest).toHaveLength(1);
    expect([...items, ...rest].map((l) => l.lines).sort()).toEqual([1, 2, 3]);
    expect(second.body.endCursor).toBeNull();
    expect((await call("GET", logs)).body.endCursor).toBeNull();
  });
});
