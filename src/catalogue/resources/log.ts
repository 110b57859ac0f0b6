import { calyptiaEndpoints, type PipelineLog } from "../../api/calyptia/endpoints.js";
import { uuid } from "../../api/validators.js";
import { type AnyOperation, arg, defineOperation } from "../define.js";
import { type Output, record } from "../output.js";
import { backendPage, backendPaging } from "../paging.js";
import { callOptions, code, field, fields, time } from "./common.js";

/** `/ops log …`: pipeline log requests (Calyptia Cloud). A request is NEW until the cluster fills it in. */

const updateInput = calyptiaEndpoints.updatePipelineLog.input.shape;
const _listInput = calyptiaEndpoints.listPipelineLogs.input.shape;

const base = { resource: "log", backend: "calyptia" } as const;

const pipelineIdArg = arg.positional(uuid, {
  label: "Pipeline ID",
  hint: "UUID of the pipeline",
  placeholder: "6f1c3f3e-8a53-4c33-9f0f-2b6c2d1e9a01",
});
const logIdArg = arg.positional(uuid, {
  label: "Log ID",
  hint: "UUID of the log request",
  placeholder: "0b8e6a1c-…",
});
const linesFlag = (hint: string) =>
  arg.flag(updateInput.lines, { label: "Lines", hint, placeholder: "100", input: "number" });
const statusFlag = (hint: string) =>
  arg.flag(updateInput.status, { label: "Status", hint, input: "select", choices: ["NEW", "DONE"] });

const request = defineOperation({
  ...base,
  id: "log:request",
  verb: "request",
  summary: "Request the latest log lines of a pipeline",
  risk: "write",
  needsIdentity: false,
  args: { pipelineId: pipelineIdArg, lines: linesFlag("How many lines (1-10000); 100 when left empty") },
  run: (ctx, args) =>
    ctx.api.calyptia.createPipelineLog({ pipelineID: args.pipelineId, lines: args.lines }, callOptions(ctx)),
  render: (result) =>
    record("Log lines requested", fields(code("Log ID", result.id), time("Requested", result.createdAt)), {
      tone: "success",
      text: `The cluster fills the request in shortly: \`/ops log get ${result.id}\`.`,
    }),
  follow: (result, args) => ({
    operationId: "log:get",
    args: { logId: result.id },
    subject: `pipeline ${args.pipelineId}`,
  }),
});

const get = defineOperation({
  ...base,
  id: "log:get",
  verb: "get",
  summary: "Show the lines of a pipeline log request",
  risk: "read",
  needsIdentity: false,
  args: { logId: logIdArg },
  run: (ctx, args) => ctx.api.calyptia.getPipelineLog({ pipelineLogID: args.logId }, callOptions(ctx)),
  render: (log): Output =>
    log.status === "NEW"
      ? record("The log lines are not ready yet", logFields(log), {
          tone: "info",
          text: "The cluster has not filled this request in yet; try again in a few seconds.",
        })
      : {
          kind: "document",
          title: `Log of pipeline ${log.pipelineID}`,
          summary: `${log.lines} lines requested, ${log.status}`,
          filename: `pipeline-log-${log.id}.txt`,
          content: log.logs,
          format: "text",
        },
  progress: (log) => ({
    state: log.status,
    ...(log.status === "NEW" ? {} : { outcome: "succeeded" as const }),
  }),
});

function logFields(log: PipelineLog) {
  return fields(
    code("Log ID", log.id),
    code("Pipeline", log.pipelineID),
    field("Status", log.status),
    field("Lines", log.lines),
    time("Updated", log.updatedAt),
  );
}

const list = defineOperation({
  ...base,
  id: "log:list",
  verb: "list",
  summary: "List the log requests of a pipeline",
  risk: "read",
  needsIdentity: false,
  args: {
    pipelineId: pipelineIdArg,
    status: statusFlag("Only requests in this status"),
    ...backendPaging,
  },
  run: (ctx, args) =>
    backendPage(args.cursor, () =>
      ctx.api.calyptia.listPipelineLogs(
        { pipelineID: args.pipelineId, status: args.status, last: args.limit, before: args.cursor },
        callOptions(ctx),
      ),
    ),
  render: (result, args): Output => ({
    kind: "list",
    title: `Log requests of pipeline ${args.pipelineId}`,
    empty: "No log requests.",
    items: result.items.map((log) => ({
      title: `${log.lines} lines`,
      code: log.id,
      fields: fields(field("Status", log.status), time("Requested", log.createdAt)),
    })),
    ...(result.endCursor ? { nextCursor: result.endCursor } : {}),
  }),
});

const update = defineOperation({
  ...base,
  id: "log:update",
  verb: "update",
  summary: "Update a pipeline log request's lines, text or status",
  risk: "write",
  needsIdentity: false,
  args: {
    logId: logIdArg,
    lines: linesFlag("How many lines (1-10000)"),
    status: statusFlag("NEW or DONE"),
    logs: arg.flag(updateInput.logs, {
      label: "Logs",
      hint: "The log text",
      placeholder: "[0] cpu.local: …",
      input: "multiline",
      // Log lines carry whatever the pipeline printed, credentials included.
      sensitive: true,
    }),
  },
  check: (args) =>
    args.lines === undefined && args.status === undefined && args.logs === undefined
      ? [{ arg: "lines", message: "give at least one of --lines, --status or --logs" }]
      : [],
  run: (ctx, args) =>
    ctx.api.calyptia.updatePipelineLog(
      { pipelineLogID: args.logId, lines: args.lines, status: args.status, logs: args.logs },
      callOptions(ctx),
    ),
  render: (result, args) =>
    record(
      "Log request updated",
      fields(
        code("Log ID", args.logId),
        field("Status", args.status),
        field("Lines", args.lines),
        time("Updated", result.updatedAt),
      ),
      { tone: "success" },
    ),
});

const remove = defineOperation({
  ...base,
  id: "log:delete",
  verb: "delete",
  summary: "Delete a pipeline log request",
  risk: "destructive",
  needsIdentity: false,
  args: { logId: logIdArg },
  run: (ctx, args) => ctx.api.calyptia.deletePipelineLog({ pipelineLogID: args.logId }, callOptions(ctx)),
  render: (result, args) =>
    record(
      result.deleted ? "Log request deleted" : "Log request not deleted",
      fields(code("Log ID", args.logId), time("Deleted", result.deletedAt)),
      { tone: result.deleted ? "success" : "warning" },
    ),
});

export const logOperations: readonly AnyOperation[] = [request, get, list, update, remove];
