import { z } from "zod";
import {
  type Allocation,
  allocationId,
  allocationName,
  allocationSpecInput,
  image,
  PORT_PROTOCOLS,
  payloadSpecInput,
  type portSpecInput,
} from "../../api/orchestration/schemas.js";
import { type AnyOperation, arg, defineOperation, type FollowSpec } from "../define.js";
import { type Output, record } from "../output.js";
import { pagedHere } from "../paging.js";
import { callOptions, code, field, fields, projectFlag, time, toneOf } from "./common.js";

/** `/ops allocation …`: allocations of an Orchestration project (what runs, where, how many). */

const base = { resource: "allocation", backend: "orchestration" } as const;
const spec = allocationSpecInput.shape;

const allocationIdArg = arg.positional(allocationId, {
  label: "Allocation ID",
  hint: "UUID of the allocation",
  placeholder: "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
});
const imageHint = "Container image with a tag or digest";
const imagePlaceholder = "registry.example.com/team/server:1.2.3";
const countFlag = (label: string, hint: string) =>
  arg.flag(spec.buffer_size, { label, hint, placeholder: "2", input: "number" });

const isPortProtocol = (text: string): text is (typeof PORT_PROTOCOLS)[number] =>
  (PORT_PROTOCOLS as readonly string[]).includes(text);

/** `name:containerPort/PROTOCOL` (protocol optional), e.g. `game:7777/UDP`. */
const PORT = /^([^:\s]+):(\d+)(?:\/([A-Za-z]+))?$/;
const ports = z
  .array(z.string())
  // Optional: no flag given is an empty list, so usage and modals show it as optional.
  .default([])
  .transform((texts, ctx): z.input<typeof portSpecInput>[] =>
    texts.flatMap((text) => {
      const match = PORT.exec(text.trim());
      if (!match) {
        ctx.addIssue({
          code: "custom",
          message: `port "${text}" must look like name:containerPort/PROTOCOL`,
        });
        return [];
      }
      const [, name = "", port = "", protocol] = match;
      const upper = protocol?.toUpperCase();
      if (upper !== undefined && !isPortProtocol(upper)) {
        ctx.addIssue({ code: "custom", message: `port "${text}": protocol must be UDP, TCP or TCPUDP` });
        return [];
      }
      return [{ name, container_port: Number(port), ...(upper ? { protocol: upper } : {}) }];
    }),
  )
  .pipe(payloadSpecInput.shape.ports.unwrap());

/** The flags of a spec, shared by create and update (update replaces the whole spec). */
const specArgs = {
  image: arg.flag(image, { label: "Image", hint: imageHint, placeholder: imagePlaceholder }),
  region: arg.flag(spec.region, { label: "Region", hint: "Where payloads run", placeholder: "eu-west" }),
  bufferSize: countFlag("Buffer size", "Ready payloads kept spare"),
  minPayloads: countFlag("Min payloads", "Fewest payloads to run"),
  maxPayloads: countFlag("Max payloads", "Most payloads to run"),
  port: arg.flag(ports, {
    label: "Ports",
    hint: "name:containerPort/PROTOCOL per port (PROTOCOL: UDP, TCP or TCPUDP)",
    placeholder: "game:7777/UDP",
    repeatable: true,
  }),
};
type SpecArgs = { [K in keyof typeof specArgs]: z.output<(typeof specArgs)[K]["schema"]> };

const minNotAboveMax = (args: SpecArgs) =>
  args.minPayloads !== undefined && args.maxPayloads !== undefined && args.minPayloads > args.maxPayloads
    ? [{ arg: "maxPayloads", message: "must be at least --min-payloads" }]
    : [];

const specOf = (args: SpecArgs) => ({
  region: args.region,
  buffer_size: args.bufferSize,
  min_payloads: args.minPayloads,
  max_payloads: args.maxPayloads,
  payload_spec: { image: args.image, ...(args.port.length > 0 ? { ports: args.port } : {}) },
});

function allocationRecord(title: string, al: Allocation, tone = toneOf(al.status?.state)): Output {
  return record(
    title,
    fields(
      field("Name", al.name),
      code("ID", al.id),
      field("State", al.status?.state),
      code("Image", al.spec?.payload_spec?.image),
      field("Region", al.spec?.region),
      field("Buffer", al.spec?.buffer_size),
      field("Min payloads", al.spec?.min_payloads),
      field("Max payloads", al.spec?.max_payloads),
      time("Created", al.created),
    ),
    { tone, ...(al.status?.details ? { text: al.status.details } : {}) },
  );
}

// ListAllocations takes a limit but no cursor: the list (at most 1000) is paged here.
const list = pagedHere(
  defineOperation({
    ...base,
    id: "allocation:list",
    verb: "list",
    summary: "List the allocations of a project",
    risk: "read",
    needsIdentity: false,
    args: {
      project: projectFlag,
    },
    run: (ctx, args) => ctx.api.orchestration.listAllocations({ project_id: args.project }, callOptions(ctx)),
    render: (items, args): Output => ({
      kind: "list",
      title: `Allocations of ${args.project}`,
      empty: "This project has no allocations.",
      items: items.map((al) => ({
        title: al.name ?? al.id ?? "(unnamed)",
        ...(al.id ? { code: al.id } : {}),
        fields: fields(field("State", al.status?.state), code("Image", al.spec?.payload_spec?.image)),
      })),
    }),
  }),
);

const get = defineOperation({
  ...base,
  id: "allocation:get",
  verb: "get",
  summary: "Show one allocation",
  risk: "read",
  needsIdentity: false,
  args: {
    allocation: arg.positional(allocationId, {
      label: "Allocation ID",
      hint: "UUID of the allocation; the configured one when left empty",
      placeholder: "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
      defaultFrom: "orchestration.allocationId",
    }),
    project: projectFlag,
  },
  run: (ctx, args) =>
    ctx.api.orchestration.getAllocation(
      { project_id: args.project, allocation_id: args.allocation },
      callOptions(ctx),
    ),
  render: (al, args) => allocationRecord(`Allocation ${al.name ?? args.allocation}`, al),
  // Which state ends a change depends on the change (see followAllocation); only an error ends all.
  progress: (al) => {
    const state = al.status?.state ?? "Unknown";
    return state === "Error" ? { state, outcome: "failed" as const } : { state };
  },
  target: (args) => ({ allocation: args.allocation }),
});

const create = defineOperation({
  ...base,
  id: "allocation:create",
  verb: "create",
  summary: "Create an allocation",
  risk: "write",
  needsIdentity: false,
  args: {
    name: arg.flag(allocationName, {
      label: "Name",
      hint: "Name of the allocation",
      placeholder: "arena-eu",
    }),
    ...specArgs,
    project: projectFlag,
  },
  check: minNotAboveMax,
  run: (ctx, args) =>
    ctx.api.orchestration.createAllocation(
      { project_id: args.project, name: args.name, spec: specOf(args) },
      callOptions(ctx),
    ),
  render: (al) =>
    allocationRecord(al.name ? `Allocation ${al.name} created` : "Allocation created", al, "success"),
});

const update = defineOperation({
  ...base,
  id: "allocation:update",
  verb: "update",
  summary: "Replace an allocation's name and spec",
  risk: "write",
  needsIdentity: false,
  args: {
    allocation: allocationIdArg,
    name: arg.flag(allocationName, {
      label: "Name",
      hint: "Name of the allocation",
      placeholder: "arena-eu",
    }),
    ...specArgs,
    project: projectFlag,
  },
  check: minNotAboveMax,
  run: (ctx, args) =>
    ctx.api.orchestration.updateAllocation(
      { project_id: args.project, allocation_id: args.allocation, name: args.name, spec: specOf(args) },
      callOptions(ctx),
    ),
  render: (al, args) => allocationRecord(`Allocation ${al.name ?? args.allocation} updated`, al, "success"),
  target: (args) => ({ allocation: args.allocation }),
});

/** Operations on one allocation that answer nothing: a record saying what was done is the result. */
function simple(
  verb: "delete" | "enable" | "disable",
  summary: string,
  risk: "write" | "destructive",
  done: string,
) {
  return defineOperation({
    ...base,
    id: `allocation:${verb}`,
    verb,
    summary,
    risk,
    needsIdentity: false,
    args: { allocation: allocationIdArg, project: projectFlag },
    run: (ctx, args) => {
      const on = { project_id: args.project, allocation_id: args.allocation };
      return verb === "delete"
        ? ctx.api.orchestration.deleteAllocation(on, callOptions(ctx))
        : ctx.api.orchestration.setAllocationEnabled({ ...on, enabled: verb === "enable" }, callOptions(ctx));
    },
    render: (_result, args) =>
      record(`Allocation ${done}`, fields(code("Allocation", args.allocation)), { tone: "success" }),
    target: (args) => ({ allocation: args.allocation }),
    follow: (_result, args) =>
      verb === "delete"
        ? undefined
        : followAllocation(args, verb === "enable" ? ["Running"] : ["Disabled", "Stopped"]),
  });
}

/** An allocation change is followed through `allocation get` until it reaches `settleOn`. */
function followAllocation(
  args: { allocation: string; project: string },
  settleOn: readonly string[],
): FollowSpec {
  return {
    operationId: "allocation:get",
    args: { allocation: args.allocation, project: args.project },
    subject: `allocation ${args.allocation}`,
    settleOn,
  };
}

const setImage = defineOperation({
  ...base,
  id: "allocation:image",
  verb: "image",
  summary: "Change the image an allocation runs",
  risk: "write",
  needsIdentity: false,
  args: {
    allocation: allocationIdArg,
    image: arg.positional(image, { label: "Image", hint: imageHint, placeholder: imagePlaceholder }),
    project: projectFlag,
  },
  run: (ctx, args) =>
    ctx.api.orchestration.updateAllocationImage(
      { project_id: args.project, allocation_id: args.allocation, image: args.image },
      callOptions(ctx),
    ),
  render: (_result, args) =>
    record(
      "Allocation image changed",
      fields(code("Allocation", args.allocation), code("Image", args.image)),
      {
        tone: "success",
      },
    ),
  target: (args) => ({ allocation: args.allocation }),
  follow: (_result, args) => followAllocation(args, ["Running"]),
});

export const allocationOperations: readonly AnyOperation[] = [
  list,
  get,
  create,
  update,
  simple(
    "delete",
    "Delete an allocation (its reserved payloads are drained first)",
    "destructive",
    "deleted",
  ),
  simple("enable", "Enable an allocation", "write", "enabled"),
  simple("disable", "Disable an allocation", "write", "disabled"),
  setImage,
];
