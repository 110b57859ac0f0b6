import { z } from "zod";
import { defineEndpoint } from "../endpoint.js";
import { labelValue, metadataKey } from "../validators.js";
import {
  allocation,
  allocationId,
  allocationList,
  allocationName,
  allocationSpecInput,
  artefact,
  artefactList,
  boundedAnnotationValue,
  image,
  metadataInput,
  payload,
  payloadId,
  payloadList,
  projectId,
  reservation,
  selectorInput,
} from "./schemas.js";

/**
 * IMS zeuz Orchestration API v0 (seed 004), with the methods and paths fixed in DECISIONS.md.
 * Every input names `project_id` and `allocation_id` itself; defaults from configuration are filled in
 * by the caller. Reads are "safe" to retry; every write is "unsafe".
 */

const backend = "orchestration" as const;
const base = "/v0/projects/{project_id}/allocations/{allocation_id}";
const inProject = { project_id: projectId };
const inAllocation = { project_id: projectId, allocation_id: allocationId };
const onPayload = { ...inAllocation, payload_id: payloadId };
const range = (max: number) =>
  z
    .number({ error: "must be a whole number" })
    .int("must be a whole number")
    .min(1, `must be between 1 and ${max}`)
    .max(max, `must be between 1 and ${max}`);

/** `{}` answers: the body is ignored and the call resolves to undefined. */
const empty = { response: z.null(), responseFormat: "empty", shape: () => undefined } as const;
const unwrap = <T extends z.ZodType>(item: T) => z.looseObject({ result: item });

/** One page of artefacts; pass `nextPageToken` as `page_token` for the next one. */
export interface ArtefactPage {
  readonly items: z.output<typeof artefact>[];
  readonly nextPageToken: string | undefined;
}

export const orchestrationEndpoints = {
  listPayloads: defineEndpoint({
    backend,
    id: "listPayloads",
    summary: "List the payloads of an allocation",
    method: "GET",
    path: `${base}/payloads`,
    input: z.object(inAllocation),
    response: payloadList,
    shape: (body) => body.results,
    retry: "safe",
    needsIdentity: false,
  }),
  getPayload: defineEndpoint({
    backend,
    id: "getPayload",
    summary: "Get one payload",
    method: "GET",
    path: `${base}/payloads/{payload_id}`,
    input: z.object(onPayload),
    response: unwrap(payload),
    shape: (body) => body.result,
    retry: "safe",
    needsIdentity: false,
  }),
  deletePayload: defineEndpoint({
    backend,
    id: "deletePayload",
    summary: "Delete a payload (force_delete is needed for a Reserved one)",
    method: "DELETE",
    path: `${base}/payloads/{payload_id}`,
    // `force_delete=false` is the default: send the parameter only when forcing.
    input: z.object({
      ...onPayload,
      force_delete: z
        .boolean()
        .optional()
        .transform((v) => (v === true ? true : undefined)),
    }),
    query: ["force_delete"],
    ...empty,
    retry: "unsafe",
    needsIdentity: false,
  }),
  setPayloadAnnotation: defineEndpoint({
    backend,
    id: "setPayloadAnnotation",
    summary: "Set (or overwrite) an annotation on a payload",
    method: "PUT",
    path: `${base}/payloads/{payload_id}/metadata/annotation`,
    input: z.object({ ...onPayload, key: metadataKey, value: boundedAnnotationValue }),
    body: "json",
    ...empty,
    retry: "unsafe",
    needsIdentity: false,
  }),
  setPayloadLabel: defineEndpoint({
    backend,
    id: "setPayloadLabel",
    summary: "Set (or overwrite) a label on a payload",
    method: "PUT",
    path: `${base}/payloads/{payload_id}/metadata/label`,
    input: z.object({ ...onPayload, key: metadataKey, value: labelValue }),
    body: "json",
    ...empty,
    retry: "unsafe",
    needsIdentity: false,
  }),
  listAllocations: defineEndpoint({
    backend,
    id: "listAllocations",
    summary: "List the allocations of a project",
    method: "GET",
    path: "/v0/projects/{project_id}/allocations",
    input: z.object({ ...inProject, limit: range(1000).optional() }),
    query: ["limit"],
    response: allocationList,
    shape: (body) => body.results,
    retry: "safe",
    needsIdentity: false,
  }),
  createAllocation: defineEndpoint({
    backend,
    id: "createAllocation",
    summary: "Create an allocation",
    method: "POST",
    path: "/v0/projects/{project_id}/allocations",
    input: z.object({
      ...inProject,
      spec: allocationSpecInput,
      name: allocationName.optional(),
      metadata: metadataInput.nullable().optional(),
    }),
    body: "json",
    response: unwrap(allocation),
    shape: (body) => body.result,
    retry: "unsafe",
    needsIdentity: false,
  }),
  getAllocation: defineEndpoint({
    backend,
    id: "getAllocation",
    summary: "Get one allocation",
    method: "GET",
    path: "/v0/projects/{project_id}/allocations/{allocation_id}",
    input: z.object(inAllocation),
    response: unwrap(allocation),
    shape: (body) => body.result,
    retry: "safe",
    needsIdentity: false,
  }),
  updateAllocation: defineEndpoint({
    backend,
    id: "updateAllocation",
    summary: "Replace an allocation's spec, name and metadata",
    method: "PUT",
    path: "/v0/projects/{project_id}/allocations/{allocation_id}",
    // Unlike create, the API requires the name here.
    input: z.object({
      ...inAllocation,
      spec: allocationSpecInput,
      name: allocationName,
      metadata: metadataInput.nullable().optional(),
    }),
    body: "json",
    response: unwrap(allocation),
    shape: (body) => body.result,
    retry: "unsafe",
    needsIdentity: false,
  }),
  deleteAllocation: defineEndpoint({
    backend,
    id: "deleteAllocation",
    summary: "Delete an allocation (its reserved payloads are drained first)",
    method: "DELETE",
    path: "/v0/projects/{project_id}/allocations/{allocation_id}",
    input: z.object(inAllocation),
    ...empty,
    retry: "unsafe",
    needsIdentity: false,
  }),
  setAllocationEnabled: defineEndpoint({
    backend,
    id: "setAllocationEnabled",
    summary: "Enable or disable an allocation",
    method: "PUT",
    path: "/v0/projects/{project_id}/allocations/{allocation_id}/enabled",
    input: z.object({ ...inAllocation, enabled: z.boolean({ error: "must be true or false" }) }),
    body: "json",
    ...empty,
    retry: "unsafe",
    needsIdentity: false,
  }),
  updateAllocationImage: defineEndpoint({
    backend,
    id: "updateAllocationImage",
    summary: "Change the image an allocation runs",
    method: "PUT",
    path: "/v0/projects/{project_id}/allocations/{allocation_id}/image",
    input: z.object({ ...inAllocation, image }),
    body: "json",
    ...empty,
    retry: "unsafe",
    needsIdentity: false,
  }),
  listArtefacts: defineEndpoint({
    backend,
    id: "listArtefacts",
    summary: "List the artefacts of an allocation, optionally of one payload",
    method: "GET",
    path: `${base}/artefacts`,
    input: z.object({
      ...inAllocation,
      page_size: range(1000).optional(),
      page_token: z.string().min(1, "must not be empty").max(2048).optional(),
      payload_id: payloadId.optional(),
    }),
    query: ["page_size", "page_token", "payload_id"],
    response: artefactList,
    shape: (body): ArtefactPage => ({ items: body.items, nextPageToken: body.next_page_token || undefined }),
    retry: "safe",
    needsIdentity: false,
  }),
  getArtefact: defineEndpoint({
    backend,
    id: "getArtefact",
    summary: "Get one artefact of a payload by its file path",
    method: "GET",
    path: `${base}/payloads/{payload_id}/artefact`,
    // Optional in the spec, but without it there is nothing to identify the artefact.
    input: z.object({
      ...onPayload,
      file_path: z.string().min(1, "must not be empty").max(1024, "must be at most 1024 characters"),
    }),
    query: ["file_path"],
    response: unwrap(artefact),
    shape: (body) => body.result,
    retry: "safe",
    needsIdentity: false,
  }),
  createReservation: defineEndpoint({
    backend,
    id: "createReservation",
    summary: "Reserve a Ready payload, trying the selectors in order",
    method: "POST",
    path: `${base}/reservations`,
    input: z.object({
      ...inAllocation,
      payload_metadata: metadataInput.optional(),
      selectors: z.array(selectorInput).max(32, "at most 32 selectors").optional(),
    }),
    body: "json",
    response: reservation,
    retry: "unsafe",
    needsIdentity: false,
  }),
  deleteReservation: defineEndpoint({
    backend,
    id: "deleteReservation",
    summary: "Release a payload's reservation",
    method: "DELETE",
    path: `${base}/payloads/{payload_id}/reservation`,
    input: z.object(onPayload),
    ...empty,
    retry: "unsafe",
    needsIdentity: false,
  }),
};

export type OrchestrationEndpoints = typeof orchestrationEndpoints;
