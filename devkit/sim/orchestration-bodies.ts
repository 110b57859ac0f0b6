import { z } from "zod";
import { PORT_POLICIES, PORT_PROTOCOLS } from "../../src/api/orchestration/schemas.js";
import { labelValue, metadataKey } from "../../src/api/validators.js";
import { SimHttpError, type SimRequest } from "./http.js";

/**
 * How the Orchestration simulator reads requests: as strictly as grpc-gateway's protojson does
 * (unknown fields, wrong types and missing required fields are a 400), plus the documented ranges.
 */

const int32 = z.number().int().min(0).max(2_147_483_647);
const keyed = <V extends z.ZodType>(value: V) => z.record(metadataKey, value);
const metadataBody = z.strictObject({
  labels: keyed(labelValue).optional(),
  annotations: keyed(z.string()).optional(),
});
const payloadSpecBody = z.strictObject({
  image: z.string().min(1),
  command: z.string().optional(),
  args: z.array(z.string()).optional(),
  ports: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        container_port: z.number().int().min(1).max(65_535),
        port_policy: z.enum(PORT_POLICIES).optional(),
        protocol: z.enum(PORT_PROTOCOLS).optional(),
      }),
    )
    .optional(),
  resources: z.strictObject({ cpu: z.string().optional(), memory: z.string().optional() }).optional(),
  environment_variables: z.array(z.strictObject({ name: z.string().min(1), value: z.string() })).optional(),
  ddos_protection: z.string().optional(),
});
const allocationSpecBody = z
  .strictObject({
    region: z.string().optional(),
    payload_spec: payloadSpecBody,
    buffer_size: int32.optional(),
    min_payloads: int32.optional(),
    max_payloads: int32.optional(),
  })
  .refine((s) => (s.min_payloads ?? 0) <= (s.max_payloads ?? Number.POSITIVE_INFINITY), {
    message: "min_payloads must not exceed max_payloads",
  });
export const createAllocationBody = z.strictObject({
  spec: allocationSpecBody,
  name: z.string().min(1).optional(),
  metadata: metadataBody.nullable().optional(),
});
export const updateAllocationBody = createAllocationBody.extend({ name: z.string().min(1) });
export const keyValueBody = (value: z.ZodType<string>) => z.strictObject({ key: metadataKey, value });
export const reservationBody = z.strictObject({
  payload_metadata: metadataBody.optional(),
  selectors: z.array(z.strictObject({ match_labels: keyed(labelValue).optional() })).optional(),
});

export function parseBody<T>(req: SimRequest, schema: z.ZodType<T>, optional = false): T {
  const raw = optional && req.rawBody.length === 0 ? {} : req.json();
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
  throw new SimHttpError(400, `invalid request body: ${where}${issue?.message ?? "bad shape"}`);
}

/** `limit` / `page_size`: absent means 1000; otherwise a whole number in 1-1000. */
export function boundedQuery(req: SimRequest, name: string): number {
  const raw = req.query.get(name);
  if (raw === null) return 1000;
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= 1 && n <= 1000)) throw new SimHttpError(400, `${name} must be between 1 and 1000`);
  return n;
}

/** Page tokens are opaque to clients; here they carry an offset. */
export function encodePageToken(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString("base64url");
}

export function decodePageToken(token: string): number | undefined {
  const match = /^offset:(\d{1,9})$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  return match ? Number(match[1]) : undefined;
}
