import type { LaunchResult } from "../../api/deploy/endpoints.js";
import {
  CRONJOB_NAME_MAX,
  directory,
  kubeName,
  kubeNameFrom,
  repository,
  safeId,
  schedule,
  taskConfiguration,
} from "../../api/deploy/validators.js";
import { type AnyOperation, arg, defineOperation, type FollowSpec } from "../define.js";
import { pagedHere } from "../paging.js";
import { asCaller, callOptions, namespaceFlag, runProgress } from "./common.js";
import { configurationLoadOperations, templateOperations } from "./configuration-load.js";
import { branchFlag, directoryArg, repositoryArg } from "./git-source.js";
import { deployList, launched, runState } from "./launch.js";

/** `/ops task …`: deploy, load and inspect DataTask tasks (Deploy API). */

const base = { resource: "task", backend: "deploy" } as const;

const deploy = defineOperation({
  ...base,
  id: "task:deploy",
  verb: "deploy",
  summary: "Deploy a task from a repository folder",
  risk: "write",
  needsIdentity: true,
  args: {
    repository: repositoryArg,
    directory: directoryArg,
    name: arg.flag(kubeName.optional(), {
      label: "Name",
      hint: "Kubernetes name of the task; from its manifest when left empty",
      placeholder: "hello-job",
    }),
    namespace: namespaceFlag("Namespace to deploy in; the repository's when left empty"),
    branch: branchFlag,
    schedule: arg.flag(schedule.optional(), {
      label: "Schedule",
      hint: "Cron schedule: makes the task a CronJob",
      placeholder: "0 * * * *",
    }),
  },
  check: (args) =>
    args.schedule && args.name && args.name.length > CRONJOB_NAME_MAX
      ? [{ arg: "name", message: `must be at most ${CRONJOB_NAME_MAX} characters for a scheduled task` }]
      : [],
  // The Deploy API has one GET route per plain combination (none, name, namespace+name); anything else
  // (a branch, a schedule, or a namespace without a name) needs the v2 form route, which takes them all.
  run: (ctx, args) => {
    const source = { repository: args.repository, directory: args.directory };
    if (args.branch === undefined && args.schedule === undefined) {
      if (args.name === undefined && args.namespace === undefined)
        return ctx.api.deploy.deployTask(source, asCaller(ctx));
      if (args.name !== undefined && args.namespace === undefined)
        return ctx.api.deploy.deployTaskAs({ ...source, name: args.name }, asCaller(ctx));
      if (args.name !== undefined && args.namespace !== undefined)
        return ctx.api.deploy.deployTaskInNamespaceAs(
          { ...source, name: args.name, namespace: args.namespace },
          asCaller(ctx),
        );
    }
    return ctx.api.deploy.deployTaskV2(
      { ...source, name: args.name, namespace: args.namespace, branch: args.branch, schedule: args.schedule },
      asCaller(ctx),
    );
  },
  render: (result) => launched("Task deployed", result),
  target: (args) => ({ namespace: args.namespace ?? kubeNameFrom(args.repository) }),
  follow: (result, args) => deployFollow(result, `${args.repository}/${args.directory}`),
});

const deployConfig = defineOperation({
  ...base,
  id: "task:deploy-config",
  verb: "deploy-config",
  summary: "Deploy a task from a manifest.json",
  risk: "write",
  needsIdentity: true,
  args: {
    namespace: arg.flag(kubeName, {
      label: "Namespace",
      hint: "Namespace to deploy in",
      placeholder: "analytics",
      input: "external_select",
      source: "namespaces",
    }),
    configuration: arg.flag(taskConfiguration, {
      label: "Configuration",
      hint: "The manifest.json, as JSON",
      placeholder: '{"name": "hello-job", "type": "job"}',
      input: "multiline",
      // A pasted manifest may hold environment values, tokens and passwords.
      sensitive: true,
    }),
    repository: arg.flag(repository.optional(), {
      label: "Repository",
      hint: "Needed when the manifest has an image-destination",
      placeholder: "quick_start",
    }),
    directory: arg.flag(directory.optional(), {
      label: "Directory",
      hint: "Needed when the manifest has an image-destination",
      placeholder: "job_python",
    }),
  },
  // The API builds the image from the repository folder when the manifest names a destination.
  check: (args) =>
    args.configuration["image-destination"] === undefined
      ? []
      : (["repository", "directory"] as const)
          .filter((k) => args[k] === undefined)
          .map((k) => ({ arg: k, message: "is required when the manifest has an image-destination" })),
  run: (ctx, args) =>
    ctx.api.deploy.deployTaskWithConfiguration(
      {
        namespace: args.namespace,
        configuration: args.configuration,
        repository: args.repository,
        directory: args.directory,
      },
      asCaller(ctx),
    ),
  render: (result) => launched("Task deployed from its configuration", result),
  target: (args) => ({ namespace: args.namespace }),
  follow: (result, args) =>
    deployFollow(result, `${String(args.configuration.name ?? "manifest")} in ${args.namespace}`),
});

const state = defineOperation({
  ...base,
  id: "task:state",
  verb: "state",
  summary: "Show the status of a task",
  risk: "read",
  needsIdentity: false,
  args: {
    id: arg.positional(safeId, { label: "Task ID", hint: "ID a deploy answered", placeholder: "task-1" }),
  },
  run: (ctx, args) => ctx.api.deploy.getTaskState({ id: args.id }, callOptions(ctx)),
  render: (result, args) => runState(`Task ${args.id}`, result),
  progress: (result) => runProgress(result.status),
});

const list = pagedHere(
  defineOperation({
    ...base,
    id: "task:list",
    verb: "list",
    summary: "List jobs, cronjobs, deployments and services",
    risk: "read",
    needsIdentity: false,
    args: { namespace: namespaceFlag("Only this namespace; every namespace when left empty") },
    run: (ctx, args) =>
      args.namespace === undefined
        ? ctx.api.deploy.listTasks({}, callOptions(ctx))
        : ctx.api.deploy.listTasksInNamespace({ namespace: args.namespace }, callOptions(ctx)),
    render: (items, args) =>
      deployList(args.namespace ? `Tasks in ${args.namespace}` : "Tasks", items, "No tasks found."),
  }),
);

export const taskOperations: readonly AnyOperation[] = [
  deploy,
  ...configurationLoadOperations("task"),
  deployConfig,
  state,
  ...templateOperations("task"),
  list,
];

/**
 * A deploy answered with a task ID is followed through `task state`. Jobs end; cronjobs, deployments and
 * services stay "running" once up, which is as done as they get.
 */
function deployFollow(result: LaunchResult, subject: string): FollowSpec | undefined {
  if (!result.id || (result.status && runProgress(result.status).outcome)) return undefined;
  const steady = result.kind !== undefined && !/^job$/i.test(result.kind);
  return {
    operationId: "task:state",
    args: { id: result.id },
    subject,
    ...(steady ? { settleOn: ["running"] } : {}),
  };
}
