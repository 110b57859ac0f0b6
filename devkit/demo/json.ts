/** Narrowing helpers for JSON that came over the wire (Block Kit from the stand-in, ack bodies). */

export type Json = Readonly<Record<string, unknown>>;

export function record(value: unknown): Json | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A JSON body, or undefined when the text is empty or not a JSON object. */
export function parseJsonObject(text: string): Json | undefined {
  if (text.trim() === "") return undefined;
  try {
    return record(JSON.parse(text));
  } catch {
    return undefined;
  }
}
