import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDeploySim, DEPLOY_SEED } from "../../../devkit/sim/deploy.js";
import type { SimServer } from "../../../devkit/sim/http.js";

/** The Deploy simulator over raw HTTP: as strict as the real API must be. */

const SETTLE = 600;
let sim: SimServer;
let url: string;

beforeEach(async () => {
  sim = createDeploySim({ settleMs: SETTLE });
  url = await sim.listen();
});
afterEach(() => sim.close());

const who = { identity: "carol@example.com" };

async function call(path: string, init: RequestInit = {}) {
  const res = await fetch(`${url}${path}`, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // text stays text
  }
  return { status: res.status, body };
}

const form = (fields: Record<string, string>) => {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) data.append(k, v);
  return data;
};

describe("Deploy simulator", () => {
  it("answers 401 {error} on protected routes without a valid identity", async () => {
    for (const headers of [{}, { identity: "not-an-email" }, { cookie: "authtoken=garbage" }]) {
      const res = await call("/v1/task/deploy/analytics/jobs", { headers });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: expect.stringContaining("Identity header") });
    }
    expect((await call("/v1/task/deploy/analytics/jobs", { headers: who })).status).toBe(200);
    expect((await call("/v1/pipeline/kill/x")).status).toBe(401);
    expect((await call("/v1/delete/job/analytics/x")).status).toBe(401);
  });

  it("serves unprotected routes without an identity", async () => {
    expect((await call("/v1/list/namespaces")).status).toBe(200);
    expect((await call(`/v1/task/state/${DEPLOY_SEED.job.id}`)).body).toMatchObject({ status: "succeeded" });
    const state = await call(
      `/v1/pipeline/state/${DEPLOY_SEED.pipeline.namespace}/${DEPLOY_SEED.pipeline.id}`,
    );
    expect(state.body).toMatchObject({ status: "succeeded" });
  });

  it("decodes a %2F directory into one parameter with '/'", async () => {
    const res = await call("/v1/task/deployas/analytics/jobs%2Fnightly/report", { headers: who });
    const state = await call(`/v1/task/state/${(res.body as { id: string }).id}`);
    expect(state.body).toMatchObject({ directory: "jobs/nightly", deployedBy: "carol@example.com" });
    // An unencoded '/' makes another route, which does not exist.
    expect((await call("/v1/task/deployas/analytics/jobs/nightly/report", { headers: who })).status).toBe(
      404,
    );
  });

  it("needs a form body on form routes, accepts urlencoded, and rejects missing fields and bad cron", async () => {
    const path = "/v2/task/deploy/with-configuration";
    const json = await call(path, {
      method: "POST",
      headers: { ...who, "content-type": "application/json" },
      body: JSON.stringify({ namespace: "ops" }),
    });
    expect(json.status).toBe(415);
    const missing = await call(path, { method: "POST", headers: who, body: form({ namespace: "ops" }) });
    expect(missing).toMatchObject({ status: 400, body: { error: "missing form field: configuration" } });
    const manifest = JSON.stringify({ name: "nightly", type: "job", schedule: "every day" });
    const badCron = await call(path, {
      method: "POST",
      headers: who,
      body: new URLSearchParams({ namespace: "ops", configuration: manifest }),
    });
    expect(badCron.status).toBe(400);
    expect(badCron.body).toMatchObject({ error: expect.stringContaining("invalid schedule") });
    const elaborate = await call("/v1/task/elaborate/deployinas/analytics/jobs/ops/nightly", {
      method: "POST",
      headers: who,
      body: new URLSearchParams({ schedule: "0 3 * * *" }),
    });
    expect(elaborate.body).toMatchObject({ kind: "cronjob", namespace: "ops" });
  });

  it("takes a configuration of type job, deployment or service and nothing else", async () => {
    const deploy = (type: unknown) =>
      call("/v2/task/deploy/with-configuration", {
        method: "POST",
        headers: who,
        body: form({ namespace: "ops", configuration: JSON.stringify({ name: `t-${String(type)}`, type }) }),
      });
    for (const type of ["cronjob", "Job", "", 1, null]) {
      const res = await deploy(type);
      expect(res, String(type)).toMatchObject({
        status: 400,
        body: { error: "invalid configuration: type must be job, deployment or service" },
      });
    }
    for (const type of ["job", "deployment", "service"])
      expect((await deploy(type)).body).toMatchObject({ kind: type, namespace: "ops" });
  });

  it("rejects bad names with 400, unknown routes with 404 and wrong methods with 405", async () => {
    const bad = await call("/v1/task/deployinas/analytics/jobs/Bad_NS/x", { headers: who });
    expect(bad).toMatchObject({ status: 400, body: { error: expect.stringContaining("invalid namespace") } });
    expect((await call("/v1/task/deploy/analytics/..%2Fx", { headers: who })).status).toBe(400);
    expect((await call("/v1/nothing")).status).toBe(404);
    expect((await call("/v1/list/namespaces", { method: "POST" })).status).toBe(405);
  });

  it("moves a service through its states, keeps it running, and fails 'fail' folders", async () => {
    const ok = await call("/v1/task/deployas/web/service_api/api", { headers: who });
    const failing = await call("/v1/task/deployas/web/fail_service/broken-api", { headers: who });
    const status = async (res: { body: unknown }) =>
      ((await call(`/v1/task/state/${(res.body as { id: string }).id}`)).body as { status: string }).status;
    expect(await status(ok)).toBe("pending");
    sim.clock.advance(SETTLE / 3);
    expect(await status(ok)).toBe("running");
    sim.clock.advance(SETTLE);
    expect([await status(ok), await status(failing)]).toEqual(["running", "failed"]);
    const tasks = (await call("/v1/list/tasks/web")).body as { kind: string }[];
    expect(tasks.map((t) => t.kind).sort()).toEqual(["deployment", "deployment", "service", "service"]);
  });

  it("refuses to kill a finished pipeline and resets to the seed", async () => {
    const kill = await call(`/v1/pipeline/kill/${DEPLOY_SEED.pipeline.id}`, { headers: who });
    expect(kill).toMatchObject({ status: 409, body: { error: expect.stringContaining("not running") } });
    await call("/v1/delete/job/analytics/nightly-report", { headers: who });
    expect(((await call("/v1/list/tasks/analytics")).body as unknown[]).length).toBe(1);
    await fetch(`${url}/__sim/reset`, { method: "POST" });
    expect(((await call("/v1/list/tasks/analytics")).body as unknown[]).length).toBe(2);
  });

  it("404s unknown templates, work ids and pipelines", async () => {
    const template = await call("/v2/task/get/template", {
      method: "POST",
      body: form({ template_path: "nope.json" }),
    });
    expect(template).toMatchObject({ status: 404, body: { error: "template not found: nope.json" } });
    expect((await call("/v2/task/get/configuration-loading-state/work-x")).status).toBe(404);
    expect((await call(`/v1/pipeline/state/quick-start/${DEPLOY_SEED.pipeline.id}`)).status).toBe(404);
  });

  it("keeps a pipeline run running for pipelineSettleMs, killable until then, and the seed finished", async () => {
    await sim.close();
    sim = createDeploySim({ settleMs: SETTLE, pipelineSettleMs: 100 * SETTLE });
    url = await sim.listen();
    const run = async (name: string) =>
      (await call(`/v1/pipeline/runinas/quick_start/pipeline_etl/analytics/${name}`, { headers: who }))
        .body as {
        id: string;
      };
    const state = async (id: string) =>
      ((await call(`/v1/pipeline/state/analytics/${id}`)).body as { status: string }).status;
    expect(await state(DEPLOY_SEED.pipeline.id)).toBe("succeeded");
    const [kept, killed] = [await run("etl-kept"), await run("etl-killed")];
    sim.clock.advance(SETTLE);
    // Running as soon as a task would be, and still running when a task would long have finished.
    expect(await state(kept.id)).toBe("running");
    sim.clock.advance(50 * SETTLE);
    expect(await state(kept.id)).toBe("running");
    expect((await call(`/v1/pipeline/kill/${killed.id}`, { headers: who })).status).toBe(200);
    expect(await state(killed.id)).toBe("killed");
    sim.clock.advance(50 * SETTLE);
    expect(await state(kept.id)).toBe("succeeded");
  });
});
