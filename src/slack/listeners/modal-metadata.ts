import { z } from "zod";

/** What an operation modal carries between opening and submission (private_metadata, ≤ 3,000 chars). */
const schema = z.object({
  /** Absent on the picker, which chooses it. */
  operationId: z
    .string()
    .regex(/^[a-z-]+(:[a-z-]+)?$/)
    .optional(),
  channelId: z.string().regex(/^[CGD][A-Z0-9]+$/),
  responseUrl: z.url().optional(),
});

export type ModalMetadata = z.output<typeof schema>;

export function encodeModalMetadata(metadata: ModalMetadata): string {
  return JSON.stringify(metadata);
}

/** Parses what Slack hands back; undefined when it is not ours or was tampered with. */
export function decodeModalMetadata(text: string): ModalMetadata | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
