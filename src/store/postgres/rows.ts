import { z } from "zod";
import { int8ToNumber } from "./db.js";

/**
 * Schemas shared by the table modules. jsonb columns arrive parsed and bigint ones as numbers (db.ts);
 * the rows are still checked, as the database is a boundary like any other input.
 */

/** A JSON object with string keys: what arguments are. */
export const JsonObject = z.record(z.string(), z.unknown());

export const StringMap = z.record(z.string(), z.string());

/** A bigint sent inside JSON as text (JSON numbers would round past 2^53 without a word). */
export const Int8Text = z
  .string()
  .regex(/^-?[0-9]+$/)
  .transform((text, ctx) => {
    try {
      return int8ToNumber(text);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: String(error) });
      return z.NEVER;
    }
  });

/** Drops `undefined` members: with exactOptionalPropertyTypes an absent field is not an undefined one. */
export function defined<T extends Record<string, unknown>>(
  value: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/** JSON text for a jsonb parameter: pg would send a JavaScript array as a PostgreSQL array instead. */
export function json(value: unknown): string {
  return JSON.stringify(value);
}
