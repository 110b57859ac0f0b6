import { z } from "zod";
import { ApiError } from "../../api/errors.js";
import { orchestrationEndpoints } from "../../api/orchestration/endpoints.js";
import {
  annotations,
  labels,
  type Payload,
  payloadId,
  selectorInput,
} from "../../api/orchestration/schemas.js";
import { labelValue, metadataKey } from "../../api/validators.js";
import { type AnyOperation, arg, defineOperation } from "../define.js";
import { type Field, type Output, record } from "../output.js";
import { pagedHere } from "../paging.js";
import {
  allocationFlag,
  callOptions,
  code,
  field,
  fields,
  keyValues,
  pairsOf,
  projectFlag,
  time,
  toneOf,
} from "./common.js";

/** `/ops payload …`: game-server payloads of an allocation, their metadata and reservations (Orchestration). */

const base = { resource: "payload", backend: "orchestration" } as const;
const where = { project: projectFlag, allocation: allocationFlag };
const payloadIdArg = arg.positional(payloadId, {
  label: "Payload ID",
  hint: "ID of the payload",
  placeholder: "arena-eu-5f7c9-2xkq8",
});
const keyArg = arg.positional(metadataKey, { label: "Key", hint: "Metadata key", placeholder: "mode" });
const on = (args: { project: string; allocation: string; payloadId: string }) => ({
  project_id: args.project,
  allocation_id: args.allocation,
  payload_id: args.payloadId,
});
const target = (args: { allocation: string }) => ({ allocation: args.allocation });

const mapText = (map: Readonly<Record<string, string>> | null | undefined) =>
  map && Object.keys(map).length > 0
    ? Object.entries(map)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ")
    : undefined;

export function payloadFields(payload: Payload): Field[] {
  const ports = payload.status?.ports?.map((port) => `${port.name ?? "?"}:${port.port ?? "?"}`).join(", ");
  return fields(
    code("ID", payload.id),
    field("State", payload.status?.state),
    code("Address", payload.status?.address),
    field("Ports", ports),
    field("Labels", mapText(payload.metadata?.labels)),
    field("Annotations", mapText(payload.metadata?.annotations)),
    time("Created", payload.created),
    time("Last reserved", payload.status?.last_reserved),
  );
}

// ListPayloads does not page: the list is paged here.
const list = pagedHere(
  defineOperation({
    ...base,
    id: "payload:list",
    verb: "list",
    summary: "List the payloads of an allocation",
    risk: "read",
    needsIdentity: false,
    args: { ...where },
    run: (ctx, args) =>
      ctx.api.orchestration.listPayloads(
        { project_id: args.project, allocation_id: args.allocation },
        callOptions(ctx),
      ),
    render: (payloads, args): Output => ({
      kind: "list",
      title: `Payloads of allocation ${args.allocation}`,
      empty: "This allocation has no payloads.",
      items: payloads.map((payload) => ({
        title: mapText(payload.metadata?.labels) ?? payload.id,
        code: payload.id,
        fields: fields(
          field("State", payload.status?.state),
          code("Address", payload.status?.address),
          time("Created", payload.created),
        ),
      })),
    }),
    target,
  }),
);

const get = defineOperation({
  ...base,
  id: "payload:get",
  verb: "get",
  summary: "Show one payload",
  risk: "read",
  needsIdentity: false,
  args: { payloadId: payloadIdArg, ...where },
  run: (ctx, args) => ctx.api.orchestration.getPayload(on(args), callOptions(ctx)),
  render: (payload) =>
    record(`Payload ${payload.id}`, payloadFields(payload), { tone: toneOf(payload.status?.state) }),
  target,
  // A reservation ends where its follow says (Reserved); a payload in error ends any follow.
  progress: (payload) => {
    const state = payload.status?.state ?? "Unknown";
    return state === "Error" || state === "Unhealthy" ? { state, outcome: "failed" as const } : { state };
  },
});

/**
 * A payload's state, where a payload that no longer exists reads as `Deleted` rather than an error:
 * what a deletion is followed through (the API deletes asynchronously).
 */
const state = defineOperation({
  ...base,
  id: "payload:state",
  verb: "state",
  summary: "Show a payload's state (Deleted once it is gone)",
  risk: "read",
  needsIdentity: false,
  args: { payloadId: payloadIdArg, ...where },
  run: async (ctx, args) => {
    try {
      const payload = await ctx.api.orchestration.getPayload(on(args), callOptions(ctx));
      return { id: payload.id, state: payload.status?.state ?? "Unknown" };
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return { id: args.payloadId, state: "Deleted" };
      throw error;
    }
  },
  render: (result) =>
    record(
      `Payload ${result.id}: ${result.state}`,
      fields(code("Payload", result.id), field("State", result.state)),
      {
        tone: toneOf(result.state),
      },
    ),
  target,
  progress: (result) =>
    result.state === "Deleted"
      ? { state: result.state, outcome: "succeeded" as const }
      : result.state === "Error" || result.state === "Unhealthy"
        ? { state: result.state, outcome: "failed" as const }
        : { state: result.state },
});

const remove = defineOperation({
  ...base,
  id: "payload:delete",
  verb: "delete",
  summary: "Delete a payload",
  risk: "destructive",
  needsIdentity: false,
  args: {
    payloadId: payloadIdArg,
    forceDelete: arg.flag(z.boolean().optional(), {
      label: "Force delete",
      hint: "yes to delete a Reserved payload too",
      input: "boolean",
    }),
    ...where,
  },
  run: (ctx, args) =>
    ctx.api.orchestration.deletePayload({ ...on(args), force_delete: args.forceDelete }, callOptions(ctx)),
  render: (_result, args) =>
    record(
      `Payload ${args.payloadId} deleted`,
      fields(code("Payload", args.payloadId), code("Allocation", args.allocation)),
      {
        tone: "success",
      },
    ),
  target,
  follow: (_result, args) => ({
    operationId: "payload:state",
    args: { payloadId: args.payloadId, project: args.project, allocation: args.allocation },
    subject: `payload ${args.payloadId}`,
  }),
});

const label = defineOperation({
  ...base,
  id: "payload:label",
  verb: "label",
  summary: "Set a label on a payload",
  risk: "write",
  needsIdentity: false,
  args: {
    payloadId: payloadIdArg,
    key: keyArg,
    value: arg.positional(labelValue, {
      label: "Value",
      hint: "Label value (up to 63 characters)",
      placeholder: "ranked",
    }),
    ...where,
  },
  run: (ctx, args) =>
    ctx.api.orchestration.setPayloadLabel(
      { ...on(args), key: args.key, value: args.value },
      callOptions(ctx),
    ),
  render: (_result, args) =>
    record(`Label ${args.key}=${args.value} set`, fields(code("Payload", args.payloadId)), {
      tone: "success",
    }),
  target,
});

const annotate = defineOperation({
  ...base,
  id: "payload:annotate",
  verb: "annotate",
  summary: "Set an annotation on a payload",
  risk: "write",
  needsIdentity: false,
  args: {
    payloadId: payloadIdArg,
    key: keyArg,
    value: arg.positional(orchestrationEndpoints.setPayloadAnnotation.input.shape.value, {
      label: "Value",
      hint: "Annotation value (any text)",
      placeholder: "match-0001",
    }),
    ...where,
  },
  run: (ctx, args) =>
    ctx.api.orchestration.setPayloadAnnotation(
      { ...on(args), key: args.key, value: args.value },
      callOptions(ctx),
    ),
  render: (_result, args) =>
    record(
      `Annotation ${args.key} set`,
      fields(code("Payload", args.payloadId), field("Value", args.value)),
      {
        tone: "success",
      },
    ),
  target,
});

/**
 * Each `--selector` is one selector, tried in order; `a=b,c=d` in one selector matches on both labels.
 * Empty means "any Ready payload", so nothing is sent.
 */
const selectors = z
  .array(z.string())
  // Optional: no flag given is an empty list, so usage and modals show it as optional.
  .default([])
  .transform((texts, ctx) => texts.map((text) => ({ match_labels: pairsOf([text], ctx) })))
  .pipe(z.array(selectorInput).max(32, "at most 32 selectors"));

const reserve = defineOperation({
  ...base,
  id: "payload:reserve",
  verb: "reserve",
  summary: "Reserve a Ready payload, trying the selectors in order",
  risk: "write",
  needsIdentity: false,
  args: {
    selector: arg.flag(selectors, {
      label: "Selectors",
      hint: "key=value (or a=b,c=d) per selector, tried in order; any Ready payload when empty",
      placeholder: "mode=casual,map=harbor",
      repeatable: true,
    }),
    label: arg.flag(keyValues(labels), {
      label: "Labels",
      hint: "key=value labels to set on the reserved payload",
      placeholder: "match=m-42",
      repeatable: true,
    }),
    annotation: arg.flag(keyValues(annotations), {
      label: "Annotations",
      hint: "key=value annotations to set on the reserved payload",
      placeholder: "owner=alice",
      repeatable: true,
    }),
    ...where,
  },
  run: (ctx, args) => {
    const metadata = {
      ...(Object.keys(args.label).length > 0 ? { labels: args.label } : {}),
      ...(Object.keys(args.annotation).length > 0 ? { annotations: args.annotation } : {}),
    };
    return ctx.api.orchestration.createReservation(
      {
        project_id: args.project,
        allocation_id: args.allocation,
        ...(args.selector.length > 0 ? { selectors: args.selector } : {}),
        ...(Object.keys(metadata).length > 0 ? { payload_metadata: metadata } : {}),
      },
      callOptions(ctx),
    );
  },
  render: (result) =>
    record(
      `Payload ${result.payload_id} reserved`,
      fields(
        code("Payload", result.payload_id),
        code("Address", result.payload_address),
        field("Ports", result.payload_ports.map((p) => `${p.name ?? "?"}:${p.port ?? "?"}`).join(", ")),
      ),
      { tone: "success" },
    ),
  target,
  follow: (result, args) => ({
    operationId: "payload:get",
    args: { payloadId: result.payload_id, project: args.project, allocation: args.allocation },
    subject: `payload ${result.payload_id}`,
    settleOn: ["Reserved"],
  }),
});

const release = defineOperation({
  ...base,
  id: "payload:release",
  verb: "release",
  summary: "Release a payload's reservation",
  risk: "write",
  needsIdentity: false,
  args: { payloadId: payloadIdArg, ...where },
  run: (ctx, args) => ctx.api.orchestration.deleteReservation(on(args), callOptions(ctx)),
  render: (_result, args) =>
    record(`Payload ${args.payloadId} released`, fields(code("Payload", args.payloadId)), {
      tone: "success",
    }),
  target,
});

export const payloadOperations: readonly AnyOperation[] = [
  state,
  list,
  get,
  remove,
  label,
  annotate,
  reserve,
  release,
];
