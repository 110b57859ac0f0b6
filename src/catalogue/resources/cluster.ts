import { kubeName } from "../../api/deploy/validators.js";
import { type AnyOperation, arg, defineOperation } from "../define.js";
import { record } from "../output.js";
import { pagedHere } from "../paging.js";
import { asCaller, callOptions, namespaceFlag } from "./common.js";
import { deployList } from "./launch.js";

/**
 * `/ops namespace list`, `/ops pod list` and `/ops job|cronjob|deployment|service delete`: the
 * Kubernetes objects the Deploy API lists and deletes. One module, since each resource has one verb.
 */

const namespaceList = pagedHere(
  defineOperation({
    id: "namespace:list",
    resource: "namespace",
    verb: "list",
    backend: "deploy",
    summary: "List the namespaces created by deploys",
    risk: "read",
    needsIdentity: false,
    args: {},
    run: (ctx) => ctx.api.deploy.listNamespaces({}, callOptions(ctx)),
    render: (items) =>
      deployList(
        "Namespaces",
        items.map(({ name, status }) => ({ name, status })),
        "No namespaces found.",
      ),
  }),
);

const podList = pagedHere(
  defineOperation({
    id: "pod:list",
    resource: "pod",
    verb: "list",
    backend: "deploy",
    summary: "List pods",
    risk: "read",
    needsIdentity: false,
    args: { namespace: namespaceFlag("Only this namespace; every namespace when left empty") },
    run: (ctx, args) =>
      args.namespace === undefined
        ? ctx.api.deploy.listPods({}, callOptions(ctx))
        : ctx.api.deploy.listPodsInNamespace({ namespace: args.namespace }, callOptions(ctx)),
    render: (items, args) =>
      deployList(args.namespace ? `Pods in ${args.namespace}` : "Pods", items, "No pods found."),
  }),
);

const DELETES = {
  job: { method: "deleteJob", summary: "Delete a job" },
  cronjob: { method: "deleteCronJob", summary: "Delete a cronjob" },
  deployment: { method: "deleteDeployment", summary: "Delete a deployment" },
  service: { method: "deleteService", summary: "Delete a service and its deployment" },
} as const;

function deleteOperation(kind: keyof typeof DELETES) {
  const { method, summary } = DELETES[kind];
  return defineOperation({
    id: `${kind}:delete`,
    resource: kind,
    verb: "delete",
    backend: "deploy",
    summary,
    risk: "destructive",
    needsIdentity: true,
    args: {
      namespace: arg.positional(kubeName, {
        label: "Namespace",
        hint: `Namespace of the ${kind}`,
        placeholder: "analytics",
        input: "external_select",
        source: "namespaces",
      }),
      name: arg.positional(kubeName, {
        label: "Name",
        hint: `Name of the ${kind}`,
        placeholder: "nightly-report",
      }),
    },
    run: (ctx, args) => ctx.api.deploy[method]({ namespace: args.namespace, name: args.name }, asCaller(ctx)),
    render: (result, args) =>
      record(
        `Deleted ${kind} ${args.name}`,
        [
          { label: "Name", value: args.name, code: true },
          { label: "Namespace", value: args.namespace, code: true },
        ],
        {
          tone: result.deleted === false ? "warning" : "success",
          ...(result.message ? { text: result.message } : {}),
        },
      ),
    target: (args) => ({ namespace: args.namespace }),
  });
}

export const clusterOperations: readonly AnyOperation[] = [
  namespaceList,
  podList,
  deleteOperation("job"),
  deleteOperation("cronjob"),
  deleteOperation("deployment"),
  deleteOperation("service"),
];
