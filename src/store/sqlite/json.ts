import { z } from "zod";

/**
 * A TEXT column holding JSON, read through `schema`: the database file is a boundary like any other
 * input (an older release, a hand edit or a bad restore can put anything there).
 */
export function jsonColumn<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, ctx): unknown => {
      try {
        return JSON.parse(text);
      } catch {
        ctx.addIssue({ code: "custom", message: "not JSON" });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** A JSON object with string keys: what arguments are. */
export const JsonObject = z.record(z.string(), z.unknown());
