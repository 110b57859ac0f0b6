import { deployEndpoints as E } from "../../src/api/deploy/endpoints.js";
import { branchProblem, kubeNameProblem, TASK_TYPES } from "../../src/api/deploy/validators.js";
import { kubeNameFrom, manifestName, PIPELINE_TEMPLATES, TASK_TEMPLATES } from "./deploy-data.js";
import {
  callerOf,
  check,
  failingSource,
  formOf,
  parseConfiguration,
  scheduleProblem,
  source,
} from "./deploy-request.js";
import { DeployStore, type Kind } from "./deploy-store.js";
import {
  type SimClock,
  SimHttpError,
  type SimRequest,
  type SimResponse,
  SimServer,
  type SimulatedEndpoint,
} from "./http.js";

export { DEPLOY_SEED } from "./deploy-data.js";

/**
 * DataTask Deploy API simulator (seed 003) with the bodies assumed in DECISIONS.md. Strict where the
 * real API must be: protected routes answer 401 without an identity, form routes need a form body,
 * bad names and cron expressions get 400, unknown objects 404. Tasks and pipelines move
 * pending -> running -> done over simulated time; a repository or directory containing "fail" makes
 * them fail, and a directory containing "broken" makes configuration loading fail.
 */

export interface DeploySimOptions {
  readonly clock?: SimClock;
  /** Simulated ms for a deploy or run to settle (running after a third of it). Default 3000. */
  readonly settleMs?: number;
  /** Simulated ms a pipeline run runs before it succeeds (running as early as a task). Default settleMs. */
  readonly pipelineSettleMs?: number;
  /** Serve under a prefix, as behind `https://<domain>/apps/deploy-api`. */
  readonly pathPrefix?: string;
  /** Answer deploys, runs, kills and deletes with plain text, as some versions of the API might. */
  readonly textResponses?: boolean;
}

export function deployErrorBody(_status: number, message: string) {
  return { error: message };
}

interface FromGit {
  namespace?: string | undefined;
  name?: string | undefined;
  branch?: string | undefined;
  schedule?: string | undefined;
}

export function createDeploySim(options: DeploySimOptions = {}): SimServer {
  const settleMs = options.settleMs ?? 3_000;
  const prefix = (options.pathPrefix ?? "").replace(/\/+$/, "");
  const sim = new SimServer({
    name: "deploy",
    errorBody: deployErrorBody,
    ...(options.clock ? { clock: options.clock } : {}),
    onReset: () => store.reset(),
  });
  const store = new DeployStore(() => sim.clock.now(), settleMs, options.pipelineSettleMs ?? settleMs);
  const serve = (endpoint: SimulatedEndpoint, handler: (req: SimRequest) => Promise<SimResponse>) =>
    sim.serve(endpoint, handler, prefix);
  const answer = (body: Record<string, unknown>, text: string): SimResponse =>
    options.textResponses ? { status: 200, text } : { status: 200, body };

  /** Deploys a task from a folder; namespace defaults to the repository, name to the manifest's. */
  function deployFromGit(caller: string, req: SimRequest, fields: FromGit): SimResponse {
    const src = source(req);
    const schedule = check("schedule", fields.schedule ?? "", scheduleProblem);
    const dir = src.directory.toLowerCase();
    // The folder's (simulated) manifest type: a service or deployment folder says so in its name.
    const type: Kind = dir.includes("service")
      ? "service"
      : dir.includes("deployment")
        ? "deployment"
        : "job";
    return launchTask({
      ...src,
      namespace: check("namespace", fields.namespace ?? kubeNameFrom(src.repository), kubeNameProblem),
      name: check("name", fields.name ?? manifestName(src.directory), kubeNameProblem),
      kind: type === "job" && schedule ? "cronjob" : type,
      branch: check("branch", fields.branch ?? "master", branchProblem),
      schedule,
      failing: failingSource(src),
      deployedBy: caller,
    });
  }

  function launchTask(fields: Parameters<DeployStore["addTask"]>[0]): SimResponse {
    const task = store.addTask(fields);
    const { id, name, namespace, kind } = task;
    return answer(
      { id, name, namespace, kind, status: store.taskStatus(task) },
      `${kind} ${name} deployed in namespace ${namespace} (id ${id})`,
    );
  }

  function runFromGit(caller: string, req: SimRequest, fields: FromGit & { name: string }): SimResponse {
    const src = source(req);
    return launchPipeline({
      ...src,
      namespace: check("namespace", fields.namespace ?? kubeNameFrom(src.repository), kubeNameProblem),
      name: check("name", fields.name, kubeNameProblem),
      branch: check("branch", fields.branch ?? "master", branchProblem),
      failing: failingSource(src),
      deployedBy: caller,
    });
  }

  function launchPipeline(fields: Parameters<DeployStore["addPipeline"]>[0]): SimResponse {
    const pipeline = store.addPipeline(fields);
    const { id, name, namespace } = pipeline;
    return answer(
      { id, name, namespace, status: store.pipelineStatus(pipeline) },
      `pipeline ${name} started in namespace ${namespace} (id ${id})`,
    );
  }

  const p = (req: SimRequest, name: string) => req.params[name] ?? "";

  // Tasks (T1-T9); the identity is checked first, as an auth middleware would.
  serve(E.deployTask, async (req) => deployFromGit(callerOf(req), req, {}));
  serve(E.deployTaskAs, async (req) => deployFromGit(callerOf(req), req, { name: p(req, "name") }));
  serve(E.deployTaskInNamespaceAs, async (req) =>
    deployFromGit(callerOf(req), req, { namespace: p(req, "namespace"), name: p(req, "name") }),
  );
  serve(E.deployTaskElaborate, async (req) => {
    const caller = callerOf(req);
    const form = await formOf(req);
    return deployFromGit(caller, req, {
      namespace: p(req, "namespace"),
      name: p(req, "name"),
      branch: form.get("branch"),
      schedule: form.get("schedule"),
    });
  });
  serve(E.deployTaskV2, async (req) => {
    const caller = callerOf(req);
    const form = await formOf(req);
    return deployFromGit(caller, req, {
      namespace: form.get("namespace"),
      name: form.get("name"),
      branch: form.get("branch"),
      schedule: form.get("schedule"),
    });
  });
  serve(E.deployTaskWithConfiguration, async (req) => {
    const caller = callerOf(req);
    const form = await formOf(req);
    const namespace = check("namespace", form.required("namespace"), kubeNameProblem);
    const manifest = parseConfiguration(form.required("configuration"));
    const type = TASK_TYPES.find((t) => t === manifest.type);
    if (!type) throw new SimHttpError(400, "invalid configuration: type must be job, deployment or service");
    const name = check("configuration name", String(manifest.name ?? ""), kubeNameProblem);
    const schedule = check("schedule", String(manifest.schedule ?? ""), scheduleProblem);
    const src = { repository: form.get("repository") ?? "", directory: form.get("directory") ?? "" };
    if (manifest["image-destination"] !== undefined && (!src.repository || !src.directory))
      throw new SimHttpError(400, "repository and directory are required with an image-destination");
    const kind: Kind = type === "job" && schedule ? "cronjob" : type;
    return launchTask({
      ...src,
      namespace,
      name,
      kind,
      branch: "master",
      schedule,
      failing: failingSource(src),
      deployedBy: caller,
    });
  });
  serve(E.getTaskState, async (req) => {
    const task = store.tasks.get(p(req, "id"));
    if (!task) throw new SimHttpError(404, `task not found: ${p(req, "id")}`);
    return { status: 200, body: store.taskView(task) };
  });

  // Pipelines (P1-P9)
  serve(E.runPipelineAs, async (req) => runFromGit(callerOf(req), req, { name: p(req, "name") }));
  serve(E.runPipelineInNamespaceAs, async (req) =>
    runFromGit(callerOf(req), req, { namespace: p(req, "namespace"), name: p(req, "name") }),
  );
  serve(E.runPipelineElaborate, async (req) => {
    const caller = callerOf(req);
    const form = await formOf(req);
    const fields = { namespace: p(req, "namespace"), name: p(req, "name"), branch: form.get("branch") };
    return runFromGit(caller, req, fields);
  });
  serve(E.runPipelineV2, async (req) => {
    const caller = callerOf(req);
    const form = await formOf(req);
    const fields = { namespace: form.get("namespace"), name: p(req, "name"), branch: form.get("branch") };
    return runFromGit(caller, req, fields);
  });
  serve(E.runPipelineWithConfiguration, async (req) => {
    const caller = callerOf(req);
    const form = await formOf(req);
    const namespace = check("namespace", form.required("namespace"), kubeNameProblem);
    const config = parseConfiguration(form.required("configuration"));
    if (typeof config.name !== "string" || !config.name)
      throw new SimHttpError(400, "invalid configuration: name is required");
    if (!Array.isArray(config.tasks) || config.tasks.length === 0)
      throw new SimHttpError(400, "invalid configuration: tasks must be a non-empty list");
    const failing = JSON.stringify(config.tasks).toLowerCase().includes("fail");
    const src = { repository: "", directory: "", branch: "master" };
    return launchPipeline({ ...src, name: config.name, namespace, failing, deployedBy: caller });
  });
  serve(E.getPipelineState, async (req) => {
    const pipeline = store.pipelines.get(p(req, "id"));
    if (!pipeline || pipeline.namespace !== p(req, "namespace"))
      throw new SimHttpError(404, `pipeline not found: ${p(req, "id")} in ${p(req, "namespace")}`);
    return { status: 200, body: store.pipelineView(pipeline) };
  });
  serve(E.killPipeline, async (req) => {
    const caller = callerOf(req);
    const pipeline = store.pipelines.get(p(req, "id"));
    if (!pipeline) throw new SimHttpError(404, `pipeline not found: ${p(req, "id")}`);
    const status = store.pipelineStatus(pipeline);
    if (status !== "pending" && status !== "running")
      throw new SimHttpError(409, `pipeline ${pipeline.id} is not running (${status})`);
    pipeline.killedAt = sim.clock.now();
    pipeline.killedBy = caller;
    return answer({ killed: true }, `kill order sent to pipeline ${pipeline.id}`);
  });

  // Configuration loading (T6-T7, P5-P6) and templates (T10, P10, L5): unprotected
  const configuration = {
    task: {
      load: E.loadTaskConfiguration,
      loadingState: E.getTaskConfigurationLoadingState,
      template: E.getTaskTemplate,
      templates: E.listTaskTemplates,
    },
    pipeline: {
      load: E.loadPipelineConfiguration,
      loadingState: E.getPipelineConfigurationLoadingState,
      template: E.getPipelineTemplate,
      templates: E.listPipelineTemplates,
    },
  };
  for (const kind of ["task", "pipeline"] as const) {
    const endpoints = configuration[kind];
    serve(endpoints.load, async (req) => {
      const src = source(req);
      check("branch", (await formOf(req)).get("branch") ?? "master", branchProblem);
      return { status: 200, body: { work_id: store.addLoad({ kind, ...src }).id } };
    });
    serve(endpoints.loadingState, async (req) => {
      const load = store.loads.get(p(req, "work_id"));
      if (!load || load.kind !== kind) throw new SimHttpError(404, `work not found: ${p(req, "work_id")}`);
      return { status: 200, body: store.loadingState(load) };
    });
    const templates = kind === "task" ? TASK_TEMPLATES : PIPELINE_TEMPLATES;
    serve(endpoints.template, async (req) => {
      const path = (await formOf(req)).required("template_path");
      const body = templates[path];
      if (!body) throw new SimHttpError(404, `template not found: ${path}`);
      return { status: 200, body };
    });
    serve(endpoints.templates, async () => ({ status: 200, body: Object.keys(templates) }));
  }

  // Lists (L1-L4): unprotected; the `:namespace` variants filter
  serve(E.listNamespaces, async () => ({
    status: 200,
    body: [...store.namespaces].sort().map((name) => ({ name, kind: "namespace", status: "active" })),
  }));
  const lists = [
    [
      E.listTasks,
      E.listTasksInNamespace,
      () =>
        [...store.tasks.values()].map((t) => {
          const { id, name, namespace, kind } = t;
          return { id, name, namespace, kind, status: store.taskStatus(t) };
        }),
    ],
    [E.listPods, E.listPodsInNamespace, () => store.pods()],
    [
      E.listPipelines,
      E.listPipelinesInNamespace,
      () => [...store.pipelines.values()].map((pl) => store.pipelineView(pl)),
    ],
  ] as const;
  for (const [all, inNamespace, items] of lists) {
    serve(all, async () => ({ status: 200, body: items() }));
    serve(inNamespace, async (req) => {
      const namespace = check("namespace", p(req, "namespace"), kubeNameProblem);
      return { status: 200, body: items().filter((i) => i.namespace === namespace) };
    });
  }

  // Deletes (D1-D4): GET, protected; deleting a service also deletes its deployment
  for (const [kind, endpoint] of [
    ["job", E.deleteJob],
    ["cronjob", E.deleteCronJob],
    ["deployment", E.deleteDeployment],
    ["service", E.deleteService],
  ] as const) {
    serve(endpoint, async (req) => {
      callerOf(req);
      const [namespace, name] = [p(req, "namespace"), p(req, "name")];
      if (!store.deleteTask(namespace, kind, name))
        throw new SimHttpError(404, `${kind} ${name} not found in namespace ${namespace}`);
      return answer({ deleted: true }, `${kind} ${name} deleted`);
    });
  }
  return sim;
}
