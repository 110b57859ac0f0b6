import type { LoadingState } from "../../api/deploy/endpoints.js";
import { safeId, templatePath } from "../../api/deploy/validators.js";
import { type AnyOperation, arg, defineOperation } from "../define.js";
import { json, type Output, record } from "../output.js";
import { pagedHere } from "../paging.js";
import { callOptions } from "./common.js";
import { branchFlag, directoryArg, repositoryArg } from "./git-source.js";
import { deployList } from "./launch.js";

/**
 * `task load` / `pipeline load` and their `loading` state: the Deploy API answers both kinds alike, only
 * the endpoints, the file name and the operation that deploys the loaded file differ.
 */

type Kind = "task" | "pipeline";

const KINDS = {
  task: {
    file: "manifest.json",
    Kind: "Task",
    templatePlaceholder: "job_python.json",
    summary: "Load a task's manifest.json from git, to review before deploying",
    next: { operationId: "task:deploy-config", label: "Deploy…" },
  },
  pipeline: {
    file: "pipeline.json",
    Kind: "Pipeline",
    templatePlaceholder: "pipeline_sequential.json",
    summary: "Load a pipeline.json from git, to review before running",
    next: { operationId: "pipeline:run-config", label: "Run…" },
  },
} as const;

/** States after which a load will not change any more; anything else is still in progress. */
const SETTLED_STATES = new Set(["done", "error", "failed", "succeeded", "success", "completed"]);

export function isLoadSettled(state: LoadingState): boolean {
  return state.configuration !== undefined || state.error !== undefined || SETTLED_STATES.has(state.state);
}

export function configurationLoadOperations(kind: Kind): readonly AnyOperation[] {
  const base = { resource: kind, backend: "deploy" } as const;
  const load = defineOperation({
    ...base,
    id: `${kind}:load`,
    verb: "load",
    summary: KINDS[kind].summary,
    risk: "write",
    needsIdentity: false,
    args: { repository: repositoryArg, directory: directoryArg, branch: branchFlag },
    run: (ctx, args) => {
      const input = { repository: args.repository, directory: args.directory, branch: args.branch };
      return kind === "task"
        ? ctx.api.deploy.loadTaskConfiguration(input, callOptions(ctx))
        : ctx.api.deploy.loadPipelineConfiguration(input, callOptions(ctx));
    },
    render: (result) => loadStarted(kind, result.work_id),
    follow: (result, args) => ({
      operationId: `${kind}:loading`,
      args: { workId: result.work_id },
      subject: `${args.repository}/${args.directory}`,
      // The repository folder goes with the deploy button: the API builds images from it.
      prefill: kind === "task" ? { repository: args.repository, directory: args.directory } : {},
    }),
  });

  const loading = defineOperation({
    ...base,
    id: `${kind}:loading`,
    verb: "loading",
    summary: `Show the state of a ${kind} configuration load`,
    risk: "read",
    needsIdentity: false,
    args: {
      workId: arg.positional(safeId, {
        label: "Work ID",
        hint: "The work ID a load answered",
        placeholder: "load-1",
      }),
    },
    run: (ctx, args) =>
      kind === "task"
        ? ctx.api.deploy.getTaskConfigurationLoadingState({ work_id: args.workId }, callOptions(ctx))
        : ctx.api.deploy.getPipelineConfigurationLoadingState({ work_id: args.workId }, callOptions(ctx)),
    render: (result, args) => loadingState(kind, result, args.workId),
    progress: (state) => ({
      state: state.state,
      ...(isLoadSettled(state)
        ? { outcome: state.configuration ? ("succeeded" as const) : ("failed" as const) }
        : {}),
    }),
  });
  return [load, loading];
}

/** A configuration load just started: the work ID is what opsbot polls. */
function loadStarted(kind: Kind, workId: string): Output {
  return record(`Loading the ${kind} configuration`, [{ label: "Work ID", value: workId, code: true }], {
    tone: "info",
    text: `opsbot follows the loading and posts the ${KINDS[kind].file} when it is ready (or \`/ops ${kind} loading ${workId}\`).`,
  });
}

/** A load's state: the configuration as a document with its next step once done, else a record. */
export function loadingState(kind: Kind, state: LoadingState, workId: string): Output {
  if (state.configuration) {
    const { next, file } = KINDS[kind];
    return {
      ...json(`The ${kind} configuration is loaded`, file, state.configuration, `Loaded (${state.state})`),
      actions: [
        {
          label: next.label,
          operationId: next.operationId,
          args: {},
          mode: "open",
          loaded: { what: kind, workId },
        },
      ],
    };
  }
  return record(
    `Loading the ${kind} configuration: ${state.state}`,
    [{ label: "Work ID", value: state.work_id ?? workId, code: true }],
    { tone: state.error ? "failure" : "info", ...(state.error ? { text: state.error } : {}) },
  );
}

/** `task templates` / `task template <path>` and the same for pipelines. */
export function templateOperations(kind: Kind): readonly AnyOperation[] {
  const base = { resource: kind, backend: "deploy" } as const;
  const { Kind: title, file, templatePlaceholder } = KINDS[kind];
  const templates = pagedHere(
    defineOperation({
      ...base,
      id: `${kind}:templates`,
      verb: "templates",
      summary: `List the ${kind} templates`,
      risk: "read",
      needsIdentity: false,
      args: {},
      run: (ctx) =>
        kind === "task"
          ? ctx.api.deploy.listTaskTemplates({}, callOptions(ctx))
          : ctx.api.deploy.listPipelineTemplates({}, callOptions(ctx)),
      render: (names) =>
        deployList(
          `${title} templates`,
          names.map((name) => ({ name })),
          `No ${kind} templates.`,
        ),
    }),
  );
  const template = defineOperation({
    ...base,
    id: `${kind}:template`,
    verb: "template",
    summary: `Show a ${kind} template (a ${file})`,
    risk: "read",
    needsIdentity: false,
    args: {
      path: arg.positional(templatePath, {
        label: "Template",
        hint: "Template file name",
        placeholder: templatePlaceholder,
        input: "external_select",
        source: `${kind}-templates`,
      }),
    },
    run: (ctx, args) =>
      kind === "task"
        ? ctx.api.deploy.getTaskTemplate({ template_path: args.path }, callOptions(ctx))
        : ctx.api.deploy.getPipelineTemplate({ template_path: args.path }, callOptions(ctx)),
    render: (result, args) =>
      json(`${title} template ${args.path}`, args.path.split("/").at(-1) ?? args.path, result),
  });
  return [templates, template];
}
