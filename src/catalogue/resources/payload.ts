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
const on = (a: { project: string; allocation: string; payloadId: string }) => ({
  project_id: a.project,
  allocation_id: a.allocation,
  payload_id: a.payloadId,
});
const target = (a: { allocation: string }) => ({ allocation: a.allocation });

const mapText = (map: Readonly<Record<string, string>> | null | undefined) =>
  map && Object.keys(map).length > 0
    ? Object.entries(map)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ")
    : undefined;

export function payloadFields(p: Payload): Field[] {
  const ports = p.status?.ports?.map((port) => `${port.name ?? "?"}:${port.port ?? "?"}`).join(", ");
  return fields(
    code("ID", p.id),
    field("State", p.status?.state),
    code("Address", p.status?.address),
    field("Ports", ports),
    field("Labels", mapText(p.metadata?.labels)),
    field("Annotations", mapText(p.metadata?.annotations)),
    time("Created", p.created),
    time("Last reserved", p.status?.last_reserved),
  );
}

const list = defineOperation({
  ...base,
  id: "payload:list",
  verb: "list",
  summary: "List the payloads of an allocation",
  risk: "read",
  needsIdentity: false,
  args: { ...where },
  run: (ctx, a) =>
    ctx.api.orchestration.listPayloads(
      { project_id: a.project, allocation_id: a.allocation },
      callOptions(ctx),
    ),
  render: (payloads, a): Output => ({
    kind: "list",
    title: `Payloads of allocation ${a.allocation}`,
    empty: "This allocation has no payloads.",
    items: payloads.map((p) => ({
      title: mapText(p.metadata?.labels) ?? p.id,
      code: p.id,
      fields: fields(
        field("State", p.status?.state),
        code("Address", p.status?.address),
        time("Created", p.created),
      ),
    })),
  }),
  target,
});

const get = defineOperation({
  ...base,
  id: "payload:get",
  verb: "get",
  summary: "Show one payload",
  risk: "read",
  needsIdentity: false,
  args: { payloadId: payloadIdArg, ...where },
  run: (ctx, a) => ctx.api.orchestration.getPayload(on(a), callOptions(ctx)),
  render: (p) => record(`Payload ${p.id}`, payloadFields(p), { tone: toneOf(p.status?.state) }),
  target,
  // A reservation ends where its follow says (Reserved); a payload in error ends any follow.
  progress: (p) => {
    const state = p.status?.state ?? "Unknown";
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
  run: async (ctx, a) => {
    try {
      const p = await ctx.api.orchestration.getPayload(on(a), callOptions(ctx));
      return { id: p.id, state: p.status?.state ?? "Unknown" };
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return { id: a.payloadId, state: "Deleted" };
      throw error;
    }
  },
  render: (s) =>
    record(`Payload ${s.id}: ${s.state}`, fields(code("Payload", s.id), field("State", s.state)), {
      tone: toneOf(s.state),
    }),
  target,
  progress: (s) =>
    s.state === "Deleted"
      ? { state: s.state, outcome: "succeeded" as const }
      : s.state === "Error" || s.state === "Unhealthy"
        ? { state: s.state, outcome: "failed" as const }
        : { state: s.state },
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
  run: (ctx, a) =>
    ctx.api.orchestration.deletePayload({ ...on(a), force_delete: a.forceDelete }, callOptions(ctx)),
  render: (_result, a) =>
    record(
      `Payload ${a.payloadId} deleted`,
      fields(code("Payload", a.payloadId), code("Allocation", a.allocation)),
      {
        tone: "success",
      },
    ),
  target,
  follow: (_result, a) => ({
    operationId: "payload:state",
    args: { payloadId: a.payloadId, project: a.project, allocation: a.allocation },
    subject: `payload ${a.payloadId}`,
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
  run: (ctx, a) =>
    ctx.api.orchestration.setPayloadLabel({ ...on(a), key: a.key, value: a.value }, callOptions(ctx)),
  render: (_result, a) =>
    record(`Label ${a.key}=${a.value} set`, fields(code("Payload", a.payloadId)), { tone: "success" }),
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
  run: (ctx, a) =>
    ctx.api.orchestration.setPayloadAnnotation({ ...on(a), key: a.key, value: a.value }, callOptions(ctx)),
  render: (_result, a) =>
    record(`Annotation ${a.key} set`, fields(code("Payload", a.payloadId), field("Value", a.value)), {
      tone: "success",
    }),
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
  .transform((texts, ctx) => texts.map((text) => ({ match_labels: pairsOf([text], "selector", ctx) })))
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
    label: arg.flag(keyValues("label", labels), {
      label: "Labels",
      hint: "key=value labels to set on the reserved payload",
      placeholder: "match=m-42",
      repeatable: true,
    }),
    annotation: arg.flag(keyValues("annotation", annotations), {
      label: "Annotations",
      hint: "key=value annotations to set on the reserved payload",
      placeholder: "owner=alice",
      repeatable: true,
    }),
    ...where,
  },
  run: (ctx, a) => {
    const metadata = {
      ...(Object.keys(a.label).length > 0 ? { labels: a.label } : {}),
      ...(Object.keys(a.annotation).length > 0 ? { annotations: a.annotation } : {}),
    };
    return ctx.api.orchestration.createReservation(
      {
        project_id: a.project,
        allocation_id: a.allocation,
        ...(a.selector.length > 0 ? { selectors: a.selector } : {}),
        ...(Object.keys(metadata).length > 0 ? { payload_metadata: metadata } : {}),
      },
      callOptions(ctx),
    );
  },
  render: (r) =>
    record(
      `Payload ${r.payload_id} reserved`,
      fields(
        code("Payload", r.payload_id),
        code("Address", r.payload_address),
        field("Ports", r.payload_ports.map((p) => `${p.name ?? "?"}:${p.port ?? "?"}`).join(", ")),
      ),
      { tone: "success" },
    ),
  target,
  follow: (r, a) => ({
    operationId: "payload:get",
    args: { payloadId: r.payload_id, project: a.project, allocation: a.allocation },
    subject: `payload ${r.payload_id}`,
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
  run: (ctx, a) => ctx.api.orchestration.deleteReservation(on(a), callOptions(ctx)),
  render: (_result, a) =>
    record(`Payload ${a.payloadId} released`, fields(code("Payload", a.payloadId)), { tone: "success" }),
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
