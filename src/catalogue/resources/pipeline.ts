import type { LaunchResult } from "../../api/deploy/endpoints.js";
import { kubeName, kubeNameFrom, pipelineConfiguration, safeId } from "../../api/deploy/validators.js";
import { type AnyOperation, arg, defineOperation, type FollowSpec } from "../define.js";
import { record } from "../output.js";
import { pagedHere } from "../paging.js";
import { asCaller, callOptions, namespaceFlag, runProgress } from "./common.js";
import { configurationLoadOperations, templateOperations } from "./configuration-load.js";
import { branchFlag, directoryArg, repositoryArg } from "./git-source.js";
import { deployList, launched, runState } from "./launch.js";

/** `/ops pipeline …`: run, load, kill and inspect DataTask pipelines (Deploy API). */

const base = { resource: "pipeline", backend: "deploy" } as const;

const nameFlag = arg.flag(kubeName, {
  label: "Name",
  hint: "Kubernetes name of this pipeline run",
  placeholder: "etl-daily",
});

const run = defineOperation({
  ...base,
  id: "pipeline:run",
  verb: "run",
  summary: "Run a pipeline from a repository folder",
  risk: "write",
  needsIdentity: true,
  args: {
    repository: repositoryArg,
    directory: directoryArg,
    name: nameFlag,
    namespace: namespaceFlag("Namespace of its tasks; the repository's when left empty"),
    branch: branchFlag,
  },
  // Only the form route takes a branch; the plain routes differ by whether a namespace is given.
  run: (ctx, args) => {
    const input = { repository: args.repository, directory: args.directory, name: args.name };
    if (args.branch !== undefined)
      return ctx.api.deploy.runPipelineV2(
        { ...input, namespace: args.namespace, branch: args.branch },
        asCaller(ctx),
      );
    if (args.namespace !== undefined)
      return ctx.api.deploy.runPipelineInNamespaceAs({ ...input, namespace: args.namespace }, asCaller(ctx));
    return ctx.api.deploy.runPipelineAs(input, asCaller(ctx));
  },
  render: (result) => launched("Pipeline started", result),
  target: (args) => ({ namespace: args.namespace ?? kubeNameFrom(args.repository) }),
  follow: (result, args) =>
    pipelineFollow(
      result,
      args.namespace ?? kubeNameFrom(args.repository),
      `${args.repository}/${args.directory}`,
    ),
});

const runConfig = defineOperation({
  ...base,
  id: "pipeline:run-config",
  verb: "run-config",
  summary: "Run a pipeline from a pipeline.json",
  risk: "write",
  needsIdentity: true,
  args: {
    namespace: arg.flag(kubeName, {
      label: "Namespace",
      hint: "Namespace of its tasks",
      placeholder: "analytics",
      input: "external_select",
      source: "namespaces",
    }),
    configuration: arg.flag(pipelineConfiguration, {
      label: "Configuration",
      hint: "The pipeline.json, as JSON",
      placeholder: '{"name": "etl", "tasks": [{"name": "job1", "namespacetask": "analytics/job_sleep"}]}',
      input: "multiline",
      // A pasted configuration may hold environment values, tokens and passwords.
      sensitive: true,
    }),
  },
  run: (ctx, args) =>
    ctx.api.deploy.runPipelineWithConfiguration(
      { namespace: args.namespace, configuration: args.configuration },
      asCaller(ctx),
    ),
  render: (result) => launched("Pipeline started from its configuration", result),
  target: (args) => ({ namespace: args.namespace }),
  follow: (result, args) =>
    pipelineFollow(
      result,
      args.namespace,
      `${String(args.configuration.name ?? "pipeline")} in ${args.namespace}`,
    ),
});

const idArg = arg.positional(safeId, {
  label: "Pipeline ID",
  hint: "ID a run answered",
  placeholder: "pipeline-1",
});

const state = defineOperation({
  ...base,
  id: "pipeline:state",
  verb: "state",
  summary: "Show the status of a pipeline run",
  risk: "read",
  needsIdentity: false,
  args: {
    namespace: arg.positional(kubeName, {
      label: "Namespace",
      hint: "Namespace the pipeline runs in",
      placeholder: "analytics",
      input: "external_select",
      source: "namespaces",
    }),
    id: idArg,
  },
  run: (ctx, args) =>
    ctx.api.deploy.getPipelineState({ namespace: args.namespace, id: args.id }, callOptions(ctx)),
  render: (result, args) => runState(`Pipeline ${args.id}`, result),
  progress: (result) => runProgress(result.status),
});

const kill = defineOperation({
  ...base,
  id: "pipeline:kill",
  verb: "kill",
  summary: "Kill a running pipeline",
  risk: "destructive",
  needsIdentity: true,
  args: { id: idArg },
  run: (ctx, args) => ctx.api.deploy.killPipeline({ id: args.id }, asCaller(ctx)),
  render: (result, args) =>
    record(`Pipeline ${args.id} killed`, [{ label: "Pipeline", value: args.id, code: true }], {
      tone: result.killed === false ? "warning" : "success",
      ...(result.message ? { text: result.message } : {}),
    }),
});

const list = pagedHere(
  defineOperation({
    ...base,
    id: "pipeline:list",
    verb: "list",
    summary: "List pipelines",
    risk: "read",
    needsIdentity: false,
    args: { namespace: namespaceFlag("Only this namespace; every namespace when left empty") },
    run: (ctx, args) =>
      args.namespace === undefined
        ? ctx.api.deploy.listPipelines({}, callOptions(ctx))
        : ctx.api.deploy.listPipelinesInNamespace({ namespace: args.namespace }, callOptions(ctx)),
    render: (items, args) =>
      deployList(
        args.namespace ? `Pipelines in ${args.namespace}` : "Pipelines",
        items,
        "No pipelines found.",
      ),
  }),
);

export const pipelineOperations: readonly AnyOperation[] = [
  run,
  ...configurationLoadOperations("pipeline"),
  runConfig,
  state,
  kill,
  list,
  ...templateOperations("pipeline"),
];

/** A pipeline run is followed through `pipeline state`, with a Kill button while it runs. */
function pipelineFollow(result: LaunchResult, namespace: string, subject: string): FollowSpec | undefined {
  if (!result.id || (result.status && runProgress(result.status).outcome)) return undefined;
  const ns = result.namespace ?? namespace;
  return {
    operationId: "pipeline:state",
    args: { namespace: ns, id: result.id },
    subject,
    cancel: { operationId: "pipeline:kill", args: { id: result.id }, label: "Kill" },
  };
}
