import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CALYPTIA_SEED } from "../../devkit/sim/calyptia.js";
import { as, expectLastRequest, fieldOf, type Stack, startStack } from "./stack.js";

/** Port, check and log operations through the real stack against the Calyptia Cloud simulator. */

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const { pipelineId, coreInstanceId } = CALYPTIA_SEED;
const lastRequest = (method: string, path: string) => expectLastRequest(stack.sims.calyptia, method, path);
const bodyOf = (request: { body: string }): unknown => JSON.parse(request.body);

describe("port operations", () => {
  it("port:create sends typed numbers and the chosen kind", async () => {
    const { output } = await stack.run(
      `port create ${pipelineId} --protocol TCP --frontend-port 8080 --backend-port 24224 --endpoint 203.0.113.7 --kind NodePort`,
    );
    expect(as(output, "record")).toMatchObject({ title: "Port 8080 → 24224 created", tone: "success" });
    expect(fieldOf(output, "ID")).toBeTruthy();
    const request = lastRequest("POST", `/v1/aggregator_pipelines/${pipelineId}/ports`);
    expect(bodyOf(request)).toEqual({
      protocol: "tcp",
      frontendPort: 8080,
      backendPort: 24224,
      endpoint: "203.0.113.7",
      kind: "NodePort",
    });
  });

  it("port:list lists the ports and hands on the next-page cursor", async () => {
    await stack.run(
      `port create ${pipelineId} --protocol udp --frontend-port 5140 --backend-port 5140 --endpoint e`,
    );
    const page = as((await stack.run(`port list ${pipelineId} --limit 1`)).output, "list");
    expect(page.items).toHaveLength(1);
    expect(page.items[0]?.code).toBeTruthy();
    expect(page.nextCursor).toBeTruthy();
    expect(lastRequest("GET", `/v1/aggregator_pipelines/${pipelineId}/ports`).url).toContain("last=1");

    const next = as((await stack.run(`port list ${pipelineId} --cursor ${page.nextCursor}`)).output, "list");
    expect(next.items.length).toBeGreaterThan(0);
    expect(next.items[0]?.code).not.toBe(page.items[0]?.code);
  });

  it("port:delete deletes the port by its ID, and a second delete is the API's 404", async () => {
    const { output } = await stack.run(
      `port create ${pipelineId} --protocol tcp --frontend-port 9090 --backend-port 9090 --endpoint e`,
    );
    const id = fieldOf(output, "ID");
    const deleted = await stack.run(`port delete ${id}`);
    expect(as(deleted.output, "record")).toMatchObject({ title: "Port deleted", tone: "success" });
    lastRequest("DELETE", `/v1/pipeline_ports/${id}`);
    const listed = as((await stack.run(`port list ${pipelineId}`)).output, "list");
    expect(listed.items.map((item) => item.code)).not.toContain(id);
    await expect(stack.run(`port delete ${id}`)).rejects.toThrow(/not found/);
    expect(stack.issues("port delete not-a-uuid")).toEqual([{ arg: "portId", message: expect.any(String) }]);
  });

  it.each(["bad host!", "-lead.example", "300.1.1.1", "a..b", "x".repeat(254)])(
    "port:create refuses the endpoint %j before any call, as Calyptia would",
    (endpoint) => {
      expect(
        stack.issues(
          `port create ${pipelineId} --protocol tcp --frontend-port 7070 --backend-port 7070 --endpoint "${endpoint}"`,
        ),
      ).toEqual([{ arg: "endpoint", message: "must be an RFC 1123 host name or an IPv4 address" }]);
    },
  );
});

describe("check operations", () => {
  it("check:create and check:list", async () => {
    const { output } = await stack.run(
      `check create ${coreInstanceId} --protocol tcp --host db.internal --port 5432 --retries 3`,
    );
    expect(as(output, "record")).toMatchObject({
      title: "Check of db.internal:5432 created",
      tone: "success",
    });
    const request = lastRequest("POST", `/v1/core_instances/${coreInstanceId}/checks`);
    expect(bodyOf(request)).toEqual({ protocol: "tcp", host: "db.internal", port: 5432, retries: 3 });

    const list = as((await stack.run(`check list ${coreInstanceId}`)).output, "list");
    expect(list.items.map((i) => i.title)).toContain("tcp db.internal:5432");
    expect(list.items[0]?.fields?.map((f) => f.label)).toContain("Status");
    lastRequest("GET", `/v1/core_instances/${coreInstanceId}/checks`);
  });
});

describe("log operations", () => {
  let logId = "";

  it("log:request asks for lines; log:get says NEW is not ready, then shows the text", async () => {
    const requested = await stack.run(`log request ${pipelineId} --lines 5`);
    expect(as(requested.output, "record")).toMatchObject({ title: "Log lines requested", tone: "success" });
    logId = fieldOf(requested.output, "Log ID") ?? "";
    expect(bodyOf(lastRequest("POST", `/v1/pipelines/${pipelineId}/logs`))).toEqual({ lines: 5, logs: "" });

    const pending = as((await stack.run(`log get ${logId}`)).output, "record");
    expect(pending.title).toBe("The log lines are not ready yet");
    lastRequest("GET", `/v1/pipeline_logs/${logId}`);

    stack.sims.clock.advance(60_000);
    const done = as((await stack.run(`log get ${logId}`)).output, "document");
    expect(done).toMatchObject({ format: "text", filename: `pipeline-log-${logId}.txt` });
    expect(done.content.length).toBeGreaterThan(0);
  });

  it("log:list filters by status", async () => {
    const list = as((await stack.run(`log list ${pipelineId} --status DONE`)).output, "list");
    expect(list.items.map((i) => i.code)).toContain(logId);
    expect(lastRequest("GET", `/v1/pipelines/${pipelineId}/logs`).url).toContain("status=DONE");
  });

  it("log:update sends only what was given", async () => {
    const { output } = await stack.run(`log update ${logId} --status NEW --lines 7`);
    expect(as(output, "record")).toMatchObject({ title: "Log request updated", tone: "success" });
    expect(bodyOf(lastRequest("PATCH", `/v1/pipeline_logs/${logId}`))).toEqual({ lines: 7, status: "NEW" });
  });

  it("log:delete deletes", async () => {
    const { operation, output } = await stack.run(`log delete ${logId}`);
    expect(operation.risk).toBe("destructive");
    expect(as(output, "record")).toMatchObject({ title: "Log request deleted", tone: "success" });
    lastRequest("DELETE", `/v1/pipeline_logs/${logId}`);
  });
});
