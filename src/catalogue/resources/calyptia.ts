import { calyptiaEndpoints } from "../../api/calyptia/endpoints.js";
import { uuid } from "../../api/validators.js";
import { type AnyOperation, arg, defineOperation } from "../define.js";
import { type Output, record } from "../output.js";
import { backendPage, backendPaging } from "../paging.js";
import { callOptions, code, field, fields, time } from "./common.js";

/** `/ops port …` and `/ops check …`: aggregator pipeline ports and core-instance checks (Calyptia Cloud). */

// The API layer's own rules, so the bot and the client never disagree on what is valid.
const portInput = calyptiaEndpoints.createPipelinePort.input.shape;
const checkInput = calyptiaEndpoints.createCoreInstanceCheck.input.shape;

const pipelineIdArg = arg.positional(uuid, {
  label: "Pipeline ID",
  hint: "UUID of the aggregator pipeline",
  placeholder: "6f1c3f3e-8a53-4c33-9f0f-2b6c2d1e9a01",
});
const coreInstanceIdArg = arg.positional(uuid, {
  label: "Core instance ID",
  hint: "UUID of the core instance",
  placeholder: "a3e2b1c4-5d6e-4f70-8a9b-c0d1e2f3a4b5",
});
const protocolFlag = arg.flag(portInput.protocol, {
  label: "Protocol",
  hint: "tcp or udp",
  input: "select",
  choices: ["tcp", "udp"],
});
const portNumber = (label: string, hint: string) =>
  arg.flag(portInput.frontendPort, { label, hint, placeholder: "24224", input: "number" });

const created = (title: string, id: string, createdAt: string): Output =>
  record(title, fields(code("ID", id), time("Created", createdAt)), { tone: "success" });

const portList = defineOperation({
  id: "port:list",
  resource: "port",
  verb: "list",
  backend: "calyptia",
  summary: "List the ports of an aggregator pipeline",
  risk: "read",
  needsIdentity: false,
  args: { pipelineId: pipelineIdArg, ...backendPaging },
  run: (ctx, args) =>
    backendPage(args.cursor, () =>
      ctx.api.calyptia.listPipelinePorts(
        { pipelineID: args.pipelineId, last: args.limit, before: args.cursor },
        callOptions(ctx),
      ),
    ),
  render: (page, args): Output => ({
    kind: "list",
    title: `Ports of pipeline ${args.pipelineId}`,
    empty: "This pipeline has no ports.",
    items: page.items.map((port) => ({
      title: `${port.protocol} ${port.frontendPort} → ${port.backendPort}`,
      code: port.id,
      fields: fields(
        field("Kind", port.kind),
        code("Endpoint", port.endpoint),
        code("Plugin", port.pluginAlias ?? port.pluginName),
        time("Created", port.createdAt),
      ),
    })),
    ...(page.nextBefore ? { nextCursor: page.nextBefore } : {}),
  }),
});

const portCreate = defineOperation({
  id: "port:create",
  resource: "port",
  verb: "create",
  backend: "calyptia",
  summary: "Create a port on an aggregator pipeline",
  risk: "write",
  needsIdentity: false,
  args: {
    pipelineId: pipelineIdArg,
    protocol: protocolFlag,
    frontendPort: portNumber("Frontend port", "Port exposed to clients (0-65535)"),
    backendPort: portNumber("Backend port", "Port the pipeline listens on (0-65535)"),
    endpoint: arg.flag(portInput.endpoint, {
      label: "Endpoint",
      hint: "Address the port is reached at",
      placeholder: "203.0.113.10",
    }),
    kind: arg.flag(portInput.kind, {
      label: "Kind",
      hint: "Kubernetes service type",
      input: "select",
      choices: ["LoadBalancer", "ClusterIP", "NodePort"],
    }),
  },
  run: (ctx, args) =>
    ctx.api.calyptia.createPipelinePort(
      {
        pipelineID: args.pipelineId,
        protocol: args.protocol,
        frontendPort: args.frontendPort,
        backendPort: args.backendPort,
        endpoint: args.endpoint,
        kind: args.kind,
      },
      callOptions(ctx),
    ),
  render: (result, args) =>
    record(
      `Port ${args.frontendPort} → ${args.backendPort} created`,
      fields(
        code("ID", result.id),
        field("Protocol", args.protocol),
        field("Kind", result.kind ?? args.kind),
        code("Plugin", result.pluginAlias ?? result.pluginName),
        time("Created", result.createdAt),
      ),
      { tone: "success" },
    ),
});

const portDelete = defineOperation({
  id: "port:delete",
  resource: "port",
  verb: "delete",
  backend: "calyptia",
  summary: "Delete a port of an aggregator pipeline",
  risk: "destructive",
  needsIdentity: false,
  args: {
    portId: arg.positional(uuid, {
      label: "Port ID",
      hint: "UUID of the port, from port list",
      placeholder: "0d6e4f70-8a9b-4c0d-9e2f-3a4b5c6d7e8f",
    }),
  },
  run: (ctx, a) => ctx.api.calyptia.deletePipelinePort({ portID: a.portId }, callOptions(ctx)),
  render: (_result, a) => record("Port deleted", fields(code("ID", a.portId)), { tone: "success" }),
});

const checkList = defineOperation({
  id: "check:list",
  resource: "check",
  verb: "list",
  backend: "calyptia",
  summary: "List the checks of a core instance",
  risk: "read",
  needsIdentity: false,
  args: { coreInstanceId: coreInstanceIdArg, ...backendPaging },
  run: (ctx, args) =>
    backendPage(args.cursor, () =>
      ctx.api.calyptia.listCoreInstanceChecks(
        { coreInstanceID: args.coreInstanceId, last: args.limit, before: args.cursor },
        callOptions(ctx),
      ),
    ),
  render: (page, args): Output => ({
    kind: "list",
    title: `Checks of core instance ${args.coreInstanceId}`,
    empty: "This core instance has no checks.",
    items: page.items.map((check) => ({
      title: `${check.protocol} ${check.host}:${check.port}`,
      code: check.id,
      fields: fields(
        field("Status", check.status),
        field("Retries", check.retries),
        time("Updated", check.updatedAt),
      ),
    })),
    ...(page.nextBefore ? { nextCursor: page.nextBefore } : {}),
  }),
});

const checkCreate = defineOperation({
  id: "check:create",
  resource: "check",
  verb: "create",
  backend: "calyptia",
  summary: "Create a connectivity check on a core instance",
  risk: "write",
  needsIdentity: false,
  args: {
    coreInstanceId: coreInstanceIdArg,
    protocol: protocolFlag,
    host: arg.flag(checkInput.host, {
      label: "Host",
      hint: "Host name or IPv4 address",
      placeholder: "db.internal",
    }),
    port: arg.flag(checkInput.port, {
      label: "Port",
      hint: "Port to check (0-65535)",
      placeholder: "5432",
      input: "number",
    }),
    retries: arg.flag(checkInput.retries, {
      label: "Retries",
      hint: "0-100",
      placeholder: "3",
      input: "number",
    }),
  },
  run: (ctx, args) =>
    ctx.api.calyptia.createCoreInstanceCheck(
      {
        coreInstanceID: args.coreInstanceId,
        protocol: args.protocol,
        host: args.host,
        port: args.port,
        retries: args.retries,
      },
      callOptions(ctx),
    ),
  render: (result, args) =>
    created(`Check of ${args.host}:${args.port} created`, result.id, result.createdAt),
  follow: (result, args) => ({
    operationId: "check:state",
    args: { coreInstanceId: args.coreInstanceId, checkId: result.id },
    subject: `${args.protocol} ${args.host}:${args.port}`,
  }),
});

/** Final check states: the check ran and answered, or gave up. */
const CHECK_DONE: Readonly<Record<string, "succeeded" | "failed">> = {
  ok: "succeeded",
  failed: "failed",
  error: "failed",
};

const checkState = defineOperation({
  id: "check:state",
  resource: "check",
  verb: "state",
  backend: "calyptia",
  summary: "Show the state of one check of a core instance",
  risk: "read",
  needsIdentity: false,
  args: {
    coreInstanceId: coreInstanceIdArg,
    checkId: arg.positional(uuid, {
      label: "Check ID",
      hint: "ID a check create answered",
      placeholder: "0b5e7c1a-2d3f-4e5a-9b8c-7d6e5f4a3b2c",
    }),
  },
  // The API lists a core instance's checks (newest first) but has no route for one: it is looked up.
  run: async (ctx, args) => {
    const page = await ctx.api.calyptia.listCoreInstanceChecks(
      { coreInstanceID: args.coreInstanceId, last: 100 },
      callOptions(ctx),
    );
    return page.items.find((c) => c.id === args.checkId) ?? null;
  },
  render: (check, args): Output =>
    check
      ? record(
          `Check ${check.protocol} ${check.host}:${check.port}`,
          fields(
            code("ID", check.id),
            field("Status", check.status),
            field("Retries", check.retries),
            time("Updated", check.updatedAt),
          ),
        )
      : record(`No check ${args.checkId}`, [], {
          tone: "warning",
          text: "It is not among the core instance's latest 100 checks.",
        }),
  progress: (check) => {
    const state = check?.status ?? "missing";
    const outcome = check ? CHECK_DONE[state.toLowerCase()] : "failed";
    return outcome ? { state, outcome } : { state };
  },
});

export const portOperations: readonly AnyOperation[] = [portList, portCreate, portDelete];
export const checkOperations: readonly AnyOperation[] = [checkList, checkCreate, checkState];
