import { z } from "zod";
import { defineEndpoint, type ResponseMeta } from "../endpoint.js";
import { nextLinkParam } from "../link.js";
import { hostname, port, uuid } from "../validators.js";

/** Calyptia Cloud API v1: pipeline ports, core-instance checks, pipeline logs (seeds 000-002). */

const backend = "calyptia" as const;

// The API's vocabularies, shared with the simulator.
/** A check's protocol as the API takes it. */
export const checkProtocol = z.enum(["tcp", "udp"], { error: "must be tcp or udp" });
export const portKind = z.enum(["LoadBalancer", "ClusterIP", "NodePort"], {
  error: "must be LoadBalancer, ClusterIP or NodePort",
});
export const checkStatus = z.enum(["new", "failed", "running", "ok"]);
export const logStatus = z.enum(["NEW", "DONE"]);

/** Given in any case, with spaces around: sent as the API takes it. */
const protocol = z.string().trim().toLowerCase().pipe(checkProtocol);
const lines = z
  .number()
  .int("must be a whole number")
  .min(1, "must be at least 1")
  .max(10_000, "must be at most 10000");
const listQuery = {
  last: z.number().int().min(0, "must be 0 or more").optional(),
  before: z.string().min(1).max(2048).optional(),
};

// Responses: required fields checked, unknown fields kept, dates kept as text.
export const pipelinePort = z.looseObject({
  id: z.string(),
  protocol: z.string(),
  kind: z.string(),
  frontendPort: z.number(),
  backendPort: z.number(),
  endpoint: z.string(),
  pluginID: z.string().nullable(),
  pluginName: z.string().nullable(),
  pluginAlias: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type PipelinePort = z.output<typeof pipelinePort>;

export const createdPipelinePort = z.looseObject({
  id: z.string(),
  kind: z.string().nullable().optional(),
  pluginID: z.string().nullable(),
  pluginName: z.string().nullable(),
  pluginAlias: z.string().nullable(),
  createdAt: z.string(),
});

export const coreInstanceCheck = z.looseObject({
  id: z.string(),
  protocol: z.string(),
  status: z.string(),
  retries: z.number(),
  host: z.string(),
  port: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CoreInstanceCheck = z.output<typeof coreInstanceCheck>;

const created = z.looseObject({ id: z.string(), createdAt: z.string() });

export const pipelineLog = z.looseObject({
  id: z.string(),
  pipelineID: z.string(),
  logs: z.string(),
  lines: z.number(),
  status: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type PipelineLog = z.output<typeof pipelineLog>;

/** A page of a Link-paginated list: pass `nextBefore` as `before` to get the next page. */
export interface Page<T> {
  readonly items: T[];
  readonly nextBefore: string | undefined;
}

const page = <T>(items: T[], meta: ResponseMeta): Page<T> => ({
  items,
  nextBefore: nextLinkParam(meta.headers.link, "before"),
});

export const calyptiaEndpoints = {
  listPipelinePorts: defineEndpoint({
    backend,
    id: "listPipelinePorts",
    summary: "List the ports of an aggregator pipeline",
    method: "GET",
    path: "/v1/aggregator_pipelines/{pipelineID}/ports",
    input: z.object({ pipelineID: uuid, ...listQuery }),
    query: ["last", "before"],
    response: z.array(pipelinePort),
    shape: page,
    retry: "safe",
    needsIdentity: false,
  }),
  createPipelinePort: defineEndpoint({
    backend,
    id: "createPipelinePort",
    summary: "Create a port on an aggregator pipeline",
    method: "POST",
    path: "/v1/aggregator_pipelines/{pipelineID}/ports",
    input: z.object({
      pipelineID: uuid,
      protocol,
      frontendPort: port,
      backendPort: port,
      // Free text in the spec, but Calyptia answers "invalid pipeline port endpoint" to anything that
      // is not an address; checked here like every other host field, before the call.
      endpoint: hostname,
      kind: portKind.optional(),
    }),
    body: "json",
    response: createdPipelinePort,
    retry: "unsafe",
    needsIdentity: false,
  }),
  deletePipelinePort: defineEndpoint({
    backend,
    id: "deletePipelinePort",
    summary: "Delete a pipeline port",
    method: "DELETE",
    path: "/v1/pipeline_ports/{portID}",
    input: z.object({ portID: uuid }),
    // 204 No Content: the call resolves to undefined.
    response: z.null(),
    responseFormat: "empty",
    shape: () => undefined,
    retry: "unsafe",
    needsIdentity: false,
  }),
  listCoreInstanceChecks: defineEndpoint({
    backend,
    id: "listCoreInstanceChecks",
    summary: "List the checks of a core instance",
    method: "GET",
    path: "/v1/core_instances/{coreInstanceID}/checks",
    input: z.object({ coreInstanceID: uuid, ...listQuery }),
    query: ["last", "before"],
    response: z.array(coreInstanceCheck),
    shape: page,
    retry: "safe",
    needsIdentity: false,
  }),
  createCoreInstanceCheck: defineEndpoint({
    backend,
    id: "createCoreInstanceCheck",
    summary: "Create a check on a core instance",
    method: "POST",
    path: "/v1/core_instances/{coreInstanceID}/checks",
    input: z.object({
      coreInstanceID: uuid,
      protocol,
      host: hostname,
      port,
      retries: z
        .number()
        .int("must be a whole number")
        .min(0, "must be 0 or more")
        .max(100, "must be at most 100")
        .optional(),
      status: checkStatus.optional(),
    }),
    body: "json",
    response: created,
    retry: "unsafe",
    needsIdentity: false,
  }),
  createPipelineLog: defineEndpoint({
    backend,
    id: "createPipelineLog",
    summary: "Request the latest log lines of a pipeline",
    method: "POST",
    path: "/v1/pipelines/{pipelineID}/logs",
    // The request starts empty (`logs: ""`): the cluster fills it in and marks it DONE.
    input: z.object({ pipelineID: uuid, lines: lines.default(100), logs: z.literal("").default("") }),
    body: "json",
    response: created,
    retry: "unsafe",
    needsIdentity: false,
  }),
  listPipelineLogs: defineEndpoint({
    backend,
    id: "listPipelineLogs",
    summary: "List the log requests of a pipeline",
    method: "GET",
    path: "/v1/pipelines/{pipelineID}/logs",
    input: z.object({ pipelineID: uuid, ...listQuery, status: logStatus.optional() }),
    query: ["last", "before", "status"],
    response: z.looseObject({
      items: z.array(pipelineLog),
      endCursor: z.string().nullable(),
      count: z.number(),
      pollingIntervalMs: z.number().optional(),
    }),
    retry: "safe",
    needsIdentity: false,
  }),
  getPipelineLog: defineEndpoint({
    backend,
    id: "getPipelineLog",
    summary: "Get a pipeline log request and its lines",
    method: "GET",
    path: "/v1/pipeline_logs/{pipelineLogID}",
    input: z.object({ pipelineLogID: uuid }),
    response: pipelineLog,
    retry: "safe",
    needsIdentity: false,
  }),
  deletePipelineLog: defineEndpoint({
    backend,
    id: "deletePipelineLog",
    summary: "Delete a pipeline log",
    method: "DELETE",
    path: "/v1/pipeline_logs/{pipelineLogID}",
    input: z.object({ pipelineLogID: uuid }),
    response: z.looseObject({ deleted: z.boolean(), deletedAt: z.string().nullable() }),
    retry: "unsafe",
    needsIdentity: false,
  }),
  updatePipelineLog: defineEndpoint({
    backend,
    id: "updatePipelineLog",
    summary: "Update a pipeline log's lines, text or status",
    method: "PATCH",
    path: "/v1/pipeline_logs/{pipelineLogID}",
    input: z
      .object({
        pipelineLogID: uuid,
        logs: z.string().max(1_000_000).optional(),
        lines: lines.optional(),
        status: logStatus.optional(),
      })
      .refine((v) => v.logs !== undefined || v.lines !== undefined || v.status !== undefined, {
        message: "give at least one of logs, lines or status",
      }),
    body: "json",
    response: z.looseObject({ updatedAt: z.string() }),
    retry: "unsafe",
    needsIdentity: false,
  }),
};
