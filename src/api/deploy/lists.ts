import { z } from "zod";
import { defineEndpoint } from "../endpoint.js";
import { deleteResult, list, templateNames } from "./responses.js";
import { backend } from "./tasks.js";
import { kubeName } from "./validators.js";

/**
 * Deploy API lists (L1-L5, safe reads) and deletes (D1-D4). The deletes are GETs that destroy:
 * `retry: "unsafe"`, protected, and never prefetched.
 */

const inNamespace = z.object({ namespace: kubeName });
const none = z.object({});

const listEndpoint = (id: string, summary: string, path: string) =>
  defineEndpoint({
    backend,
    id,
    summary,
    method: "GET",
    path,
    input: none,
    response: list,
    retry: "safe",
    needsIdentity: false,
  });

const listInNamespaceEndpoint = (id: string, summary: string, path: string) =>
  defineEndpoint({
    backend,
    id,
    summary,
    method: "GET",
    path,
    input: inNamespace,
    response: list,
    retry: "safe",
    needsIdentity: false,
  });

const deleteEndpoint = (id: string, summary: string, path: string) =>
  defineEndpoint({
    backend,
    id,
    summary,
    method: "GET",
    path,
    input: z.object({ namespace: kubeName, name: kubeName }),
    response: deleteResult,
    responseFormat: "json-or-text",
    retry: "unsafe",
    needsIdentity: true,
  });

export const listEndpoints = {
  listNamespaces: listEndpoint(
    "listNamespaces",
    "List the namespaces created by deploys",
    "/v1/list/namespaces",
  ),
  listTasks: listEndpoint(
    "listTasks",
    "List jobs, cronjobs, deployments and services in every namespace",
    "/v1/list/tasks",
  ),
  listTasksInNamespace: listInNamespaceEndpoint(
    "listTasksInNamespace",
    "List jobs, cronjobs, deployments and services in a namespace",
    "/v1/list/tasks/{namespace}",
  ),
  listPods: listEndpoint("listPods", "List pods in every namespace", "/v1/list/pods"),
  listPodsInNamespace: listInNamespaceEndpoint(
    "listPodsInNamespace",
    "List pods in a namespace",
    "/v1/list/pods/{namespace}",
  ),
  listPipelines: listEndpoint("listPipelines", "List pipelines in every namespace", "/v1/list/pipelines"),
  listPipelinesInNamespace: listInNamespaceEndpoint(
    "listPipelinesInNamespace",
    "List pipelines in a namespace",
    "/v1/list/pipelines/{namespace}",
  ),
  listTaskTemplates: defineEndpoint({
    backend,
    id: "listTaskTemplates",
    summary: "List the file names of task templates",
    method: "GET",
    path: "/v2/task/list/templates",
    input: none,
    response: templateNames,
    retry: "safe",
    needsIdentity: false,
  }),
  listPipelineTemplates: defineEndpoint({
    backend,
    id: "listPipelineTemplates",
    summary: "List the file names of pipeline templates",
    method: "GET",
    path: "/v2/pipeline/list/templates",
    input: none,
    response: templateNames,
    retry: "safe",
    needsIdentity: false,
  }),
};

/** The seed names the last parameter :job, :cronjob, :deployment, :service; here it is always `name`. */
export const deleteEndpoints = {
  deleteJob: deleteEndpoint("deleteJob", "Delete a job in a namespace", "/v1/delete/job/{namespace}/{name}"),
  deleteCronJob: deleteEndpoint(
    "deleteCronJob",
    "Delete a cronjob in a namespace",
    "/v1/delete/cronjob/{namespace}/{name}",
  ),
  deleteDeployment: deleteEndpoint(
    "deleteDeployment",
    "Delete a deployment in a namespace (and its database record)",
    "/v1/delete/deployment/{namespace}/{name}",
  ),
  deleteService: deleteEndpoint(
    "deleteService",
    "Delete a service and its deployment in a namespace (and its database record)",
    "/v1/delete/service/{namespace}/{name}",
  ),
};
