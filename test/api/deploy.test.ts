import { describe, expect, it } from "vitest";
import { DEPLOY_SEED } from "../../devkit/sim/deploy.js";
import { deployEndpoints } from "../../src/api/deploy/endpoints.js";
import { ALICE, alice, deployHarness, idOf, rejection, SETTLE } from "../helpers/deploy.js";

/** Every Deploy client method against the simulator over real HTTP: what is sent, what comes back. */

const h = deployHarness();
const client = () => h.client();
const lastSent = () => h.lastSent();

describe("Deploy client: tasks", () => {
  it("deploys from a folder with '/' sent as one %2F segment, with the caller's identity", async () => {
    const { api } = client();
    const result = await api.deployTask({ repository: "quick_start", directory: "jobs/nightly" }, alice);
    expect(await lastSent()).toMatchObject({
      method: "GET",
      url: "/v1/task/deploy/quick_start/jobs%2Fnightly",
      identity: ALICE,
    });
    // namespace = repository (as a Kubernetes name), name = the manifest's
    expect(result).toMatchObject({
      name: "nightly",
      namespace: "quick-start",
      kind: "job",
      status: "pending",
    });
    const state = await api.getTaskState({ id: idOf(result) });
    expect(await lastSent()).toMatchObject({ url: `/v1/task/state/${result.id}`, identity: undefined });
    expect(state).toMatchObject({ status: "pending", deployedBy: ALICE, directory: "jobs/nightly" });
  });

  it("deploys under a name, and in a namespace, and moves pending -> running -> succeeded", async () => {
    const { api } = client();
    const as = await api.deployTaskAs({ repository: "analytics", directory: "etl", name: "loader" }, alice);
    expect((await lastSent()).url).toBe("/v1/task/deployas/analytics/etl/loader");
    expect(as).toMatchObject({ name: "loader", namespace: "analytics" });
    const inNs = await api.deployTaskInNamespaceAs(
      { repository: "analytics", directory: "etl", namespace: "team-a", name: "loader" },
      alice,
    );
    expect((await lastSent()).url).toBe("/v1/task/deployinas/analytics/etl/team-a/loader");
    expect(inNs).toMatchObject({ namespace: "team-a", status: "pending" });
    h.sim.clock.advance(SETTLE / 3);
    expect((await api.getTaskState({ id: idOf(inNs) })).status).toBe("running");
    h.sim.clock.advance(SETTLE);
    expect((await api.getTaskState({ id: idOf(inNs) })).status).toBe("succeeded");
  });

  it("fails a task whose repository or folder says fail", async () => {
    const { api } = client();
    const task = await api.deployTaskAs(
      { repository: "analytics", directory: "fail/here", name: "x" },
      alice,
    );
    h.sim.clock.advance(SETTLE);
    const state = await api.getTaskState({ id: idOf(task) });
    expect(state.status).toBe("failed");
    expect(state.message).toContain("BackOff");
  });

  it("sends the elaborate deploy's branch and schedule as form fields; a schedule makes a cronjob", async () => {
    const { api } = client();
    const result = await api.deployTaskElaborate(
      {
        repository: "analytics",
        directory: "jobs/backup",
        namespace: "ops",
        name: "backup",
        branch: "release/2.1",
        schedule: "*/15 * * * *",
      },
      alice,
    );
    expect(await lastSent()).toMatchObject({
      method: "POST",
      url: "/v1/task/elaborate/deployinas/analytics/jobs%2Fbackup/ops/backup",
      identity: ALICE,
      form: { branch: "release/2.1", schedule: "*/15 * * * *" },
    });
    expect(result.kind).toBe("cronjob");
  });

  it("sends the v2 deploy's namespace, name and branch in the form and leaves defaults out", async () => {
    const { api } = client();
    const result = await api.deployTaskV2(
      {
        repository: "analytics",
        directory: "web/service_api",
        namespace: "web",
        name: "api",
        branch: "main",
      },
      alice,
    );
    expect(await lastSent()).toMatchObject({
      url: "/v2/task/elaborate/deploy/analytics/web%2Fservice_api",
      form: { namespace: "web", name: "api", branch: "main" },
    });
    expect((await lastSent()).form).not.toHaveProperty("schedule");
    expect(result).toMatchObject({ kind: "service", namespace: "web" });
  });

  it("loads a manifest.json from git without an identity, then reads its loading state", async () => {
    const { api } = client();
    const started = await api.loadTaskConfiguration({ repository: "quick_start", directory: "job_example" });
    expect(await lastSent()).toMatchObject({
      method: "POST",
      url: "/v2/task/load/configuration/from-git/quick_start/job_example",
      identity: undefined,
      form: {},
    });
    const pending = await api.getTaskConfigurationLoadingState({ work_id: started.work_id });
    expect(await lastSent()).toMatchObject({
      url: `/v2/task/get/configuration-loading-state/${started.work_id}`,
      identity: undefined,
    });
    expect(pending.state).toBe("pending");
    h.sim.clock.advance(SETTLE);
    const done = await api.getTaskConfigurationLoadingState({ work_id: started.work_id });
    expect(done).toMatchObject({ state: "done", configuration: { type: "job", name: "job-example" } });
  });

  it("deploys with a configuration given as JSON text, sent as a form field", async () => {
    const { api } = client();
    const manifest = {
      type: "job",
      name: "fibonacci",
      "image-destination": "eu.gcr.io/x/fib:0.1",
      cmd: ["python"],
    };
    const result = await api.deployTaskWithConfiguration(
      {
        namespace: "quick-start",
        configuration: JSON.stringify(manifest),
        repository: "quick_start",
        directory: "job_example",
      },
      alice,
    );
    const sent = await lastSent();
    expect(sent).toMatchObject({ url: "/v2/task/deploy/with-configuration", identity: ALICE });
    expect(JSON.parse(sent.form?.configuration ?? "")).toEqual(manifest);
    expect(sent.form).toMatchObject({
      namespace: "quick-start",
      repository: "quick_start",
      directory: "job_example",
    });
    expect(result).toMatchObject({ name: "fibonacci", namespace: "quick-start", kind: "job" });
  });

  it("gets a task template by file name", async () => {
    const { api } = client();
    const template = await api.getTaskTemplate({ template_path: "cronjob/backup.json" });
    expect(await lastSent()).toMatchObject({
      url: "/v2/task/get/template",
      identity: undefined,
      form: { template_path: "cronjob/backup.json" },
    });
    expect(template).toMatchObject({ type: "job", schedule: "30 2 * * *" });
  });
});

describe("Deploy client: pipelines", () => {
  it("runs a pipeline four ways, each GET or form as documented", async () => {
    const { api } = client();
    const src = { repository: "analytics", directory: "pipelines/etl" };
    const runAs = await api.runPipelineAs({ ...src, name: "etl" }, alice);
    expect(await lastSent()).toMatchObject({
      method: "GET",
      url: "/v1/pipeline/runas/analytics/pipelines%2Fetl/etl",
      identity: ALICE,
    });
    expect(runAs).toMatchObject({ name: "etl", namespace: "analytics", status: "pending" });
    await api.runPipelineInNamespaceAs({ ...src, namespace: "team-a", name: "etl" }, alice);
    expect((await lastSent()).url).toBe("/v1/pipeline/runinas/analytics/pipelines%2Fetl/team-a/etl");
    await api.runPipelineElaborate({ ...src, namespace: "team-a", name: "etl", branch: "dev" }, alice);
    expect(await lastSent()).toMatchObject({
      url: "/v1/pipeline/elaborate/runinas/analytics/pipelines%2Fetl/team-a/etl",
      form: { branch: "dev" },
    });
    const v2 = await api.runPipelineV2({ ...src, name: "etl", namespace: "team-b" }, alice);
    expect(await lastSent()).toMatchObject({
      url: "/v2/pipeline/elaborate/run/analytics/pipelines%2Fetl/etl",
      form: { namespace: "team-b" },
    });
    expect(v2.namespace).toBe("team-b");
  });

  it("tracks a run to succeeded, and kills a running one", async () => {
    const { api } = client();
    const done = await api.runPipelineAs({ repository: "analytics", directory: "p", name: "done" }, alice);
    const killed = await api.runPipelineAs({ repository: "analytics", directory: "p", name: "stop" }, alice);
    h.sim.clock.advance(SETTLE / 2);
    expect((await api.getPipelineState({ namespace: "analytics", id: idOf(done) })).status).toBe("running");
    expect((await lastSent()).url).toBe(`/v1/pipeline/state/analytics/${done.id}`);
    expect(await api.killPipeline({ id: idOf(killed) }, alice)).toMatchObject({ killed: true });
    expect(await lastSent()).toMatchObject({ url: `/v1/pipeline/kill/${killed.id}`, identity: ALICE });
    h.sim.clock.advance(SETTLE);
    expect((await api.getPipelineState({ namespace: "analytics", id: idOf(done) })).status).toBe("succeeded");
    const state = await api.getPipelineState({ namespace: "analytics", id: idOf(killed) });
    expect(state).toMatchObject({ status: "killed", killedBy: ALICE });
    const unknown = await rejection(api.killPipeline({ id: "pipeline-nope" }, alice));
    expect(unknown.status).toBe(404);
    expect(unknown.safeMessage).toContain("pipeline not found");
  });

  it("loads a pipeline.json, and runs one given as an object", async () => {
    const { api } = client();
    const started = await api.loadPipelineConfiguration({
      repository: "quick_start",
      directory: "pipeline_example",
      branch: "master",
    });
    expect(await lastSent()).toMatchObject({
      url: "/v2/pipeline/load/configuration/from-git/quick_start/pipeline_example",
      form: { branch: "master" },
      identity: undefined,
    });
    h.sim.clock.advance(SETTLE);
    const loaded = await api.getPipelineConfigurationLoadingState({ work_id: started.work_id });
    expect((await lastSent()).url).toBe(`/v2/pipeline/get/configuration-loading-state/${started.work_id}`);
    expect(loaded.state).toBe("done");
    const configuration = loaded.configuration ?? {};
    const run = await api.runPipelineWithConfiguration({ namespace: "quick-start", configuration }, alice);
    const sent = await lastSent();
    expect(sent).toMatchObject({ url: "/v2/pipeline/run/with-configuration", identity: ALICE });
    expect(JSON.parse(sent.form?.configuration ?? "")).toEqual(configuration);
    expect(run).toMatchObject({ name: "pipeline-example", namespace: "quick-start" });
  });

  it("reports a broken configuration load as an error state", async () => {
    const { api } = client();
    const started = await api.loadPipelineConfiguration({ repository: "analytics", directory: "broken" });
    h.sim.clock.advance(SETTLE);
    const state = await api.getPipelineConfigurationLoadingState({ work_id: started.work_id });
    expect(state.state).toBe("error");
    expect(state.error).toContain("pipeline.json");
  });

  it("gets a pipeline template", async () => {
    const { api } = client();
    const template = await api.getPipelineTemplate({ template_path: "pipeline_fan_out.json" });
    expect(await lastSent()).toMatchObject({
      url: "/v2/pipeline/get/template",
      form: { template_path: "pipeline_fan_out.json" },
    });
    expect(template.tasks).toHaveLength(4);
  });
});

describe("Deploy client: lists", () => {
  it("lists namespaces, tasks, pods and pipelines (all and per namespace) without an identity", async () => {
    const { api } = client();
    const namespaces = await api.listNamespaces({});
    expect(await lastSent()).toMatchObject({
      method: "GET",
      url: "/v1/list/namespaces",
      identity: undefined,
    });
    expect(namespaces.map((n) => n.name)).toEqual([...DEPLOY_SEED.namespaces]);

    const tasks = await api.listTasks({});
    expect((await lastSent()).url).toBe("/v1/list/tasks");
    expect(tasks).toContainEqual(
      expect.objectContaining({ name: DEPLOY_SEED.job.name, kind: "job", status: "succeeded" }),
    );
    const quickStart = await api.listTasksInNamespace({ namespace: "quick-start" });
    expect((await lastSent()).url).toBe("/v1/list/tasks/quick-start");
    expect(quickStart.map((t) => t.kind).sort()).toEqual(["deployment", "service"]);

    const pods = await api.listPods({});
    expect((await lastSent()).url).toBe("/v1/list/pods");
    expect(pods.every((p) => p.kind === "pod" && typeof p.status === "string")).toBe(true);
    const analyticsPods = await api.listPodsInNamespace({ namespace: "analytics" });
    expect((await lastSent()).url).toBe("/v1/list/pods/analytics");
    expect(analyticsPods.length).toBeGreaterThan(0);
    expect(analyticsPods.every((p) => p.namespace === "analytics")).toBe(true);

    const pipelines = await api.listPipelines({});
    expect((await lastSent()).url).toBe("/v1/list/pipelines");
    expect(pipelines).toContainEqual(expect.objectContaining({ name: DEPLOY_SEED.pipeline.name }));
    expect(await api.listPipelinesInNamespace({ namespace: "quick-start" })).toEqual([]);
    expect((await lastSent()).url).toBe("/v1/list/pipelines/quick-start");
  });

  it("lists task and pipeline template names", async () => {
    const { api } = client();
    expect(await api.listTaskTemplates({})).toEqual([...DEPLOY_SEED.taskTemplates]);
    expect((await lastSent()).url).toBe("/v2/task/list/templates");
    expect(await api.listPipelineTemplates({})).toEqual([...DEPLOY_SEED.pipelineTemplates]);
    expect((await lastSent()).url).toBe("/v2/pipeline/list/templates");
  });
});

describe("Deploy client: deletes (GET, protected)", () => {
  it("deletes a job and a cronjob, and says not found the second time", async () => {
    const { api } = client();
    const { namespace, name } = DEPLOY_SEED.job;
    expect(await api.deleteJob({ namespace, name }, alice)).toMatchObject({ deleted: true });
    expect(await lastSent()).toMatchObject({ url: `/v1/delete/job/${namespace}/${name}`, identity: ALICE });
    const again = await rejection(api.deleteJob({ namespace, name }, alice));
    expect(again.status).toBe(404);
    expect(again.safeMessage).toContain(`job ${name} not found in namespace ${namespace}`);
    const cron = DEPLOY_SEED.cronJob;
    expect(await api.deleteCronJob({ namespace: cron.namespace, name: cron.name }, alice)).toMatchObject({
      deleted: true,
    });
    expect((await lastSent()).url).toBe(`/v1/delete/cronjob/${cron.namespace}/${cron.name}`);
  });

  it("deletes a deployment alone, and a service with its deployment", async () => {
    const { api } = client();
    const { namespace, name } = DEPLOY_SEED.service;
    expect(await api.deleteDeployment({ namespace, name }, alice)).toMatchObject({ deleted: true });
    expect((await lastSent()).url).toBe(`/v1/delete/deployment/${namespace}/${name}`);
    expect((await api.listTasksInNamespace({ namespace })).map((t) => t.kind)).toEqual(["service"]);

    await api.deployTaskInNamespaceAs({ repository: "web", directory: "service_x", namespace, name }, alice);
    expect(await api.deleteService({ namespace, name }, alice)).toMatchObject({ deleted: true });
    expect(await lastSent()).toMatchObject({
      url: `/v1/delete/service/${namespace}/${name}`,
      identity: ALICE,
    });
    expect(await api.listTasksInNamespace({ namespace })).toEqual([]);
  });
});

// Runs last in this file (vitest runs a file's tests in order): every endpoint was called above.
it("called every Deploy endpoint at least once", () => {
  const missing = Object.keys(deployEndpoints).filter((id) => !h.covered.has(id));
  expect(missing).toEqual([]);
});
