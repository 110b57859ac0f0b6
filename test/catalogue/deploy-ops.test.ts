import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEPLOY_SEED } from "../../devkit/sim/deploy-data.js";
import { as, expectLastRequest, fieldOf, IDENTITY_EMAIL, type Stack, startStack } from "./stack.js";

/** Every task, pipeline and Kubernetes operation, through the real stack against the Deploy simulator. */

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const lastDeploy = (method: string, path: string | RegExp) =>
  expectLastRequest(stack.sims.deploy, method, path);
const expectIdentity = (request: { headers: Record<string, unknown> }) =>
  expect(request.headers.identity).toBe(IDENTITY_EMAIL);
/** Lets a configuration load finish in simulated time. */
const settle = () => stack.sims.clock.advance(60_000);

describe("task operations", () => {
  it("task:deploy picks the route by the flags given, as the asking user", async () => {
    const plain = await stack.run("task deploy quick_start job_python");
    expect(as(plain.output, "record")).toMatchObject({ title: "Task deployed", tone: "success" });
    expect(plain.operation.target?.({ repository: "quick_start" })).toEqual({ namespace: "quick-start" });
    expectIdentity(lastDeploy("GET", "/v1/task/deploy/quick_start/job_python"));

    await stack.run("task deploy quick_start job_python --name hello-job");
    expectIdentity(lastDeploy("GET", "/v1/task/deployas/quick_start/job_python/hello-job"));

    const inNs = await stack.run("task deploy quick_start job_python --namespace analytics --name hello-job");
    expect(fieldOf(inNs.output, "Namespace")).toBe("analytics");
    expectIdentity(lastDeploy("GET", "/v1/task/deployinas/quick_start/job_python/analytics/hello-job"));

    await stack.run(
      'task deploy quick_start jobs/nightly --branch dev --schedule "0 * * * *" --name nightly',
    );
    const form = lastDeploy("POST", "/v2/task/elaborate/deploy/quick_start/jobs%2Fnightly");
    expectIdentity(form);
    expect(form.body).toContain("0 * * * *");
    expect(form.body).toContain("dev");
  });

  it("task:load starts a load that task:loading then shows as a document", async () => {
    const { output } = await stack.run("task load quick_start job_python --branch main");
    const started = as(output, "record");
    expect(started.text).toMatch(/follows the loading/);
    const workId = fieldOf(output, "Work ID");
    expect(workId).toBeTruthy();
    lastDeploy("POST", "/v2/task/load/configuration/from-git/quick_start/job_python");

    settle();
    const loaded = await stack.run(`task loading ${workId}`);
    expect(as(loaded.output, "document")).toMatchObject({ format: "json", filename: "manifest.json" });
    lastDeploy("GET", `/v2/task/get/configuration-loading-state/${workId}`);
  });

  it("task:deploy-config deploys a manifest given as JSON", async () => {
    const { output } = await stack.run(
      `task deploy-config --namespace analytics --configuration '{"name": "from-config", "type": "job"}'`,
    );
    expect(as(output, "record").tone).toBe("success");
    const request = lastDeploy("POST", "/v2/task/deploy/with-configuration");
    expectIdentity(request);
    expect(request.body).toContain("from-config");
  });

  it("task:state shows a failed task with the failure tone", async () => {
    const deployed = await stack.run("task deploy quick_start job_fail --name will-fail");
    const id = fieldOf(deployed.output, "ID");
    stack.sims.clock.advance(60_000);
    const state = as((await stack.run(`task state ${id}`)).output, "record");
    expect(state).toMatchObject({ title: `Task ${id}`, tone: "failure" });
    expect(fieldOf(state, "Status")).toBe("failed");
  });

  it("task:state, task:list, task:templates and task:template read", async () => {
    const state = await stack.run(`task state ${DEPLOY_SEED.job.id}`);
    expect(as(state.output, "record")).toMatchObject({ title: `Task ${DEPLOY_SEED.job.id}` });
    expect(fieldOf(state.output, "Status")).toBe("succeeded");
    lastDeploy("GET", `/v1/task/state/${DEPLOY_SEED.job.id}`);

    const all = as((await stack.run("task list")).output, "list");
    expect(all.items.map((i) => i.title)).toContain(DEPLOY_SEED.job.name);
    lastDeploy("GET", "/v1/list/tasks");
    const inNs = as((await stack.run("task list --namespace analytics")).output, "list");
    expect(inNs.title).toBe("Tasks in analytics");
    lastDeploy("GET", "/v1/list/tasks/analytics");

    const templates = as((await stack.run("task templates")).output, "list");
    expect(templates.items.map((i) => i.title)).toEqual([...DEPLOY_SEED.taskTemplates]);
    lastDeploy("GET", "/v2/task/list/templates");

    const template = as((await stack.run("task template cronjob/backup.json")).output, "document");
    expect(template).toMatchObject({ format: "json", filename: "backup.json" });
    expect(JSON.parse(template.content)).toMatchObject({ name: "backup" });
    lastDeploy("POST", "/v2/task/get/template");
  });
});

describe("pipeline operations", () => {
  it("pipeline:run picks the route by the flags given; pipeline:kill stops it", async () => {
    const run = await stack.run("pipeline run quick_start pipeline_seq --name seq-run");
    expect(as(run.output, "record").title).toBe("Pipeline started");
    expectIdentity(lastDeploy("GET", "/v1/pipeline/runas/quick_start/pipeline_seq/seq-run"));

    await stack.run("pipeline run quick_start pipeline_seq --name seq-run-2 --namespace analytics");
    expectIdentity(lastDeploy("GET", "/v1/pipeline/runinas/quick_start/pipeline_seq/analytics/seq-run-2"));

    const v2 = await stack.run("pipeline run quick_start pipeline_seq --name seq-run-3 --branch dev");
    expectIdentity(lastDeploy("POST", "/v2/pipeline/elaborate/run/quick_start/pipeline_seq/seq-run-3"));

    const id = fieldOf(v2.output, "ID");
    const killed = await stack.run(`pipeline kill ${id}`);
    expect(as(killed.output, "record")).toMatchObject({ title: `Pipeline ${id} killed`, tone: "success" });
    expectIdentity(lastDeploy("GET", `/v1/pipeline/kill/${id}`));
  });

  it("pipeline:load, pipeline:loading and pipeline:run-config", async () => {
    const started = await stack.run("pipeline load quick_start pipeline_seq");
    const workId = fieldOf(started.output, "Work ID");
    lastDeploy("POST", "/v2/pipeline/load/configuration/from-git/quick_start/pipeline_seq");
    settle();
    const loaded = as((await stack.run(`pipeline loading ${workId}`)).output, "document");
    expect(loaded.filename).toBe("pipeline.json");

    const configuration = JSON.stringify({
      name: "from-config",
      tasks: [{ name: "job1", namespacetask: "quick_start/job_sleep" }],
    });
    const { output } = await stack.run(
      `pipeline run-config --namespace analytics --configuration '${configuration}'`,
    );
    expect(as(output, "record").tone).toBe("success");
    expectIdentity(lastDeploy("POST", "/v2/pipeline/run/with-configuration"));
  });

  it("pipeline:state, pipeline:list, pipeline:templates and pipeline:template read", async () => {
    const { pipeline } = DEPLOY_SEED;
    const state = await stack.run(`pipeline state ${pipeline.namespace} ${pipeline.id}`);
    expect(fieldOf(state.output, "Status")).toBe("succeeded");
    expect(as(state.output, "record").tone).toBe("success");
    lastDeploy("GET", `/v1/pipeline/state/${pipeline.namespace}/${pipeline.id}`);

    expect(as((await stack.run("pipeline list")).output, "list").items.map((i) => i.title)).toContain(
      pipeline.name,
    );
    lastDeploy("GET", "/v1/list/pipelines");
    await stack.run("pipeline list --namespace analytics");
    lastDeploy("GET", "/v1/list/pipelines/analytics");

    const templates = as((await stack.run("pipeline templates")).output, "list");
    expect(templates.items).toHaveLength(DEPLOY_SEED.pipelineTemplates.length);
    lastDeploy("GET", "/v2/pipeline/list/templates");
    const template = as((await stack.run("pipeline template pipeline_fan_out.json")).output, "document");
    expect(JSON.parse(template.content)).toMatchObject({ name: "fan_out" });
    lastDeploy("POST", "/v2/pipeline/get/template");
  });
});

describe("namespace, pod and Kubernetes object operations", () => {
  it("namespace:list and pod:list", async () => {
    const namespaces = as((await stack.run("namespace list")).output, "list");
    expect(namespaces.items.map((i) => i.title)).toEqual(expect.arrayContaining([...DEPLOY_SEED.namespaces]));
    lastDeploy("GET", "/v1/list/namespaces");
    as((await stack.run("pod list")).output, "list");
    lastDeploy("GET", "/v1/list/pods");
    const pods = as((await stack.run("pod list --namespace quick-start")).output, "list");
    expect(pods.title).toBe("Pods in quick-start");
    lastDeploy("GET", "/v1/list/pods/quick-start");
  });

  it.each([
    ["job", DEPLOY_SEED.job.namespace, DEPLOY_SEED.job.name],
    ["cronjob", DEPLOY_SEED.cronJob.namespace, DEPLOY_SEED.cronJob.name],
    ["deployment", DEPLOY_SEED.service.namespace, DEPLOY_SEED.service.name],
    ["service", DEPLOY_SEED.service.namespace, DEPLOY_SEED.service.name],
  ])("%s:delete deletes as the asking user", async (kind, namespace, name) => {
    const { operation, output } = await stack.run(`${kind} delete ${namespace} ${name}`);
    expect(operation.risk).toBe("destructive");
    expect(as(output, "record")).toMatchObject({ title: `Deleted ${kind} ${name}`, tone: "success" });
    expectIdentity(lastDeploy("GET", `/v1/delete/${kind}/${namespace}/${name}`));
  });
});
