import { z } from "zod";
import { annotationValue, labelValue, metadataKey } from "../validators.js";

/**
 * IMS zeuz Orchestration API v0: argument rules and response shapes (REFERENCE.md §3, DECISIONS.md).
 * Inputs are strict (nested objects refuse unknown keys, so a typo is reported instead of dropped);
 * responses are lenient, since the schemas were only partly recovered: unknown fields are kept and
 * undocumented fields are optional.
 */

/** Payload states (Payload Local API `PayloadStatusStateV0`); responses accept any string. */
export const PAYLOAD_STATES = [
  "Unknown",
  "Creating",
  "Starting",
  "Ready",
  "Reserved",
  "Shutdown",
  "Error",
  "Unhealthy",
  "Preparing",
] as const;
export type PayloadState = (typeof PAYLOAD_STATES)[number];

/** `v0AllocationStatusState` values; responses accept any string. */
export const ALLOCATION_STATES = [
  "Unknown",
  "New",
  "Updating",
  "Running",
  "Draining",
  "Stopped",
  "Deleted",
  "Error",
  "Disabled",
] as const;
export type AllocationState = (typeof ALLOCATION_STATES)[number];

export const PORT_POLICIES = ["DYNAMIC", "PASSTHROUGH"] as const;
export const PORT_PROTOCOLS = ["UDP", "TCP", "TCPUDP"] as const;

// ---- identifiers -------------------------------------------------------------------------------

/** Project IDs look like `alpha-beta-123456`: a DNS label (lowercase letters, digits, inner `-`). */
export const projectId = z
  .string()
  .regex(
    /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
    "must be 1-63 lowercase letters, digits and -, starting and ending with a letter or digit",
  );

/** Allocation IDs are UUIDs; any 8-4-4-4-12 hex form is accepted (no version/variant check). */
export const allocationId = z.guid({ error: "must be a UUID" });

/** Payload IDs are opaque; accept a safe path segment (never `.` or `..`). */
export const payloadId = z
  .string()
  .regex(/^(?!\.\.?$)[A-Za-z0-9._-]{1,128}$/, "must be 1-128 letters, digits, ., _ or -");

// ---- metadata ----------------------------------------------------------------------------------

const MAX_ANNOTATION_VALUE = 256 * 1024; // Kubernetes' limit on all annotations of an object
const MAX_ENTRIES = 64;

/** A key/value map whose keys follow the label-key rule; zod's record would say only "Invalid key". */
function metadataMap<V extends z.ZodType<string>>(value: V, what: string) {
  return z
    .record(z.string(), value)
    .refine((map) => Object.keys(map).length <= MAX_ENTRIES, `at most ${MAX_ENTRIES} ${what}s`)
    .superRefine((map, ctx) => {
      for (const key of Object.keys(map)) {
        const problem = metadataKey.safeParse(key).error?.issues[0]?.message;
        if (problem) ctx.addIssue({ code: "custom", path: [key], message: `${what} key ${problem}` });
      }
    });
}

export const boundedAnnotationValue = annotationValue.max(
  MAX_ANNOTATION_VALUE,
  `must be at most ${MAX_ANNOTATION_VALUE} characters`,
);
export const labels = metadataMap(labelValue, "label");
export const annotations = metadataMap(boundedAnnotationValue, "annotation");

/** `v0PayloadMetadata` / `v0AllocationMetadata`. */
export const metadataInput = z.strictObject({
  labels: labels.optional(),
  annotations: annotations.optional(),
});

/** `v0PayloadSelector` (DECISIONS.md): a payload matches when every label is equal. */
export const selectorInput = z.strictObject({ match_labels: labels });

// ---- allocation spec ---------------------------------------------------------------------------

const DOMAIN_PART = "(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])";
const PATH_PART = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const TAG = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
// The distribution/reference grammar, with a tag or digest required: what runs must be explicit.
const IMAGE = new RegExp(
  `^(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*(?::[0-9]+)?/)?${PATH_PART}(?:/${PATH_PART})*` +
    `(?::${TAG}(?:@${DIGEST})?|@${DIGEST})$`,
);
const MAX_IMAGE = 512;

/** A container image reference: `[registry[:port]/]name[:tag][@digest]`, tag or digest required. */
export const image = z.string().superRefine((value, ctx) => {
  // Length first: the regular expression never runs on unbounded input.
  if (value.length > MAX_IMAGE)
    ctx.addIssue({ code: "custom", message: `must be at most ${MAX_IMAGE} characters` });
  else if (!IMAGE.test(value))
    ctx.addIssue({
      code: "custom",
      message: "must be an image reference such as registry.example.com/team/server:1.2.3 or name@sha256:…",
    });
});

/** Kubernetes resource quantity: `500m`, `1.5`, `100Mi`, `1Gi`. */
export const quantity = z
  .string()
  .regex(
    /^\+?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/,
    "must be a Kubernetes quantity such as 500m, 1.5, 100Mi or 1Gi",
  );

const portName = z
  .string()
  .regex(/^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/, "must be 1-63 letters, digits, ., _ or -");
const count = z
  .number({ error: "must be a whole number" })
  .int("must be a whole number")
  .min(0, "must be 0 or more")
  .max(100_000, "must be at most 100000");

const unique =
  <T>(key: (item: T) => string, what: string) =>
  (items: readonly T[], ctx: z.core.$RefinementCtx<T[]>) => {
    const seen = new Set<string>();
    for (const [i, item] of items.entries()) {
      if (seen.has(key(item))) ctx.addIssue({ code: "custom", path: [i], message: `duplicate ${what}` });
      seen.add(key(item));
    }
  };

export const portSpecInput = z.strictObject({
  name: portName,
  container_port: z
    .number({ error: "must be a whole number" })
    .int("must be a whole number")
    .min(1, "must be between 1 and 65535")
    .max(65_535, "must be between 1 and 65535"),
  port_policy: z.enum(PORT_POLICIES, { error: "must be DYNAMIC or PASSTHROUGH" }).optional(),
  protocol: z.enum(PORT_PROTOCOLS, { error: "must be UDP, TCP or TCPUDP" }).optional(),
});

export const payloadSpecInput = z.strictObject({
  image,
  command: z.string().min(1, "must not be empty").max(4096).optional(),
  args: z.array(z.string().max(4096)).max(100, "at most 100 arguments").optional(),
  ports: z
    .array(portSpecInput)
    .max(100, "at most 100 ports")
    .superRefine(unique((p) => p.name, "port name"))
    .optional(),
  resources: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional(),
  environment_variables: z
    .array(
      z.strictObject({
        name: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,254}$/, "must be a variable name such as LOG_LEVEL"),
        value: z.string().max(32_768),
      }),
    )
    .max(200, "at most 200 variables")
    .superRefine(unique((v) => v.name, "variable name"))
    .optional(),
});

/** `v0AllocationSpec` as DECISIONS.md assumes it. */
export const allocationSpecInput = z
  .strictObject({
    region: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "must be 1-63 letters, digits, ., _ or -")
      .optional(),
    payload_spec: payloadSpecInput,
    buffer_size: count.optional(),
    min_payloads: count.optional(),
    max_payloads: count.optional(),
  })
  .refine(
    (s) => s.min_payloads === undefined || s.max_payloads === undefined || s.min_payloads <= s.max_payloads,
    { path: ["max_payloads"], message: "must be at least min_payloads" },
  );

export const allocationName = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(128, "must be at most 128 characters")
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  .regex(/^[^\u0000-\u001f\u007f]*$/, "must not contain control characters");

// ---- responses ---------------------------------------------------------------------------------

const text = z.string().nullish();
const map = z.record(z.string(), z.string()).nullish();
/** proto3 JSON sends int64 as a string; int32 as a number. */
const int64 = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^-?\d+$/)
      .transform(Number),
  ])
  .nullish();
const list = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((v) => v ?? []);

export const payloadPort = z.looseObject({ name: text, port: z.number().nullish() });

export const payloadSpec = z.looseObject({
  image: text,
  command: text,
  args: z.array(z.string()).nullish(),
  ports: z
    .array(
      z.looseObject({ name: text, container_port: z.number().nullish(), port_policy: text, protocol: text }),
    )
    .nullish(),
  resources: z.looseObject({ cpu: text, memory: text }).nullish(),
  environment_variables: z.array(z.looseObject({ name: text, value: text })).nullish(),
  ddos_protection: text,
});

export const metadata = z.looseObject({ labels: map, annotations: map });

export const payload = z.looseObject({
  id: z.string(),
  cluster_id: text,
  allocation_id: text,
  payload_spec: payloadSpec.nullish(),
  status: z
    .looseObject({
      state: text,
      details: text,
      address: text,
      ports: z.array(payloadPort).nullish(),
      last_reserved: text,
      started: text,
    })
    .nullish(),
  created: text,
  metadata: metadata.nullish(),
});
export type Payload = z.output<typeof payload>;

/** Allocation fields were not recovered: everything is optional, unknown fields kept. */
export const allocation = z.looseObject({
  id: text,
  name: text,
  project_id: text,
  spec: z
    .looseObject({
      region: text,
      payload_spec: payloadSpec.nullish(),
      buffer_size: z.number().nullish(),
      min_payloads: z.number().nullish(),
      max_payloads: z.number().nullish(),
    })
    .nullish(),
  metadata: metadata.nullish(),
  status: z.looseObject({ state: text, details: text }).nullish(),
  created: text,
});
export type Allocation = z.output<typeof allocation>;

export const artefact = z.looseObject({
  payload_id: text,
  file_path: text,
  size_bytes: int64,
  created: text,
  download_url: text,
});
export type Artefact = z.output<typeof artefact>;

export const reservation = z.looseObject({
  payload_id: z.string(),
  payload_address: text,
  payload_ports: list(payloadPort),
});
export type Reservation = z.output<typeof reservation>;

/** grpc-gateway leaves out empty repeated fields, so `{}` is an empty list. */
export const payloadList = z.looseObject({ results: list(payload) });
export const allocationList = z.looseObject({ results: list(allocation) });
export const artefactList = z.looseObject({ items: list(artefact), next_page_token: text });
