import { z } from "zod";
import { ApiError } from "../api/errors.js";
import { type ArgDef, arg, type Operation } from "./define.js";
import { UserFacingError } from "./opsbot/context.js";
import type { Output } from "./output.js";

/**
 * One paging vocabulary for every list: `--limit N` (how many) and `--cursor C` (where the previous
 * page stopped). Where the backend pages (Calyptia's `last`/`before`, Orchestration's
 * `page_size`/`page_token`) the cursor is the backend's own token; where it does not (the Deploy API,
 * Orchestration payloads and allocations) the whole list is fetched and paged here, the cursor then an
 * opaque offset token. The spellings lists used before are still taken, with a hint.
 */

export const MAX_LIMIT = 1000;
/** The argument a list's next page is asked for with. */
export const PAGING_CURSOR = "cursor";

const limitSchema = z
  .number()
  .int("must be a whole number")
  .min(1, "must be at least 1")
  .max(MAX_LIMIT, `must be at most ${MAX_LIMIT}`)
  .optional();

const limitFlag = arg.flag(limitSchema, {
  label: "Limit",
  hint: "How many to show; all when left empty",
  placeholder: "20",
  input: "number",
  formerly: ["last", "page-size"],
});

const cursorHint = "Where the previous page stopped: the --cursor its More line gave";

/** `--limit` and `--cursor` for a list the backend pages: the cursor goes to it as it came. */
export const backendPaging = {
  limit: limitFlag,
  cursor: arg.flag(z.string().min(1).max(2048, "is too long for a cursor").optional(), {
    label: "Cursor",
    hint: cursorHint,
    placeholder: "cursor",
    formerly: ["before", "page-token"],
  }),
};

/**
 * A backend page asked for with a cursor. Its cursors are opaque to opsbot, so one mistyped, cut short
 * or from another list is only found out by the backend's 400: said as a cursor problem, with the way out.
 */
export async function backendPage<T>(cursor: string | undefined, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (cursor === undefined || !(error instanceof ApiError) || error.status !== 400) throw error;
    throw new UserFacingError(
      `The backend refused this page, ${error.safeMessage}. Give \`--cursor\` exactly as a More line gave it, or run the list again without it.`,
    );
  }
}

const OFFSET_TOKEN = /^offset:(\d{1,7})$/;

/** A position in a list paged here, opaque to the reader. */
export function encodeOffset(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString("base64url");
}

export function decodeOffset(token: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(token)) return undefined;
  const match = OFFSET_TOKEN.exec(Buffer.from(token, "base64url").toString("utf8"));
  return match ? Number(match[1]) : undefined;
}

const localPaging = {
  limit: limitFlag,
  cursor: arg.flag(
    z
      .string()
      .trim()
      .transform((token, ctx) => {
        const offset = decodeOffset(token);
        if (offset !== undefined) return offset;
        ctx.addIssue({
          code: "custom",
          message: "is not a cursor this list gave: run the list again without it",
        });
        return z.NEVER;
      })
      .optional(),
    { label: "Cursor", hint: cursorHint, placeholder: "cursor", formerly: ["before", "page-token"] },
  ),
} satisfies Record<string, ArgDef>;

type LocalPaging = typeof localPaging;

/**
 * A list the backend answers whole, given `--limit` and `--cursor` here: its output is cut to the page
 * asked for, with the cursor of the next one when there is more.
 */
export function pagedHere<Defs extends Record<string, ArgDef>, Result, NeedsIdentity extends boolean>(
  operation: Operation<Defs, Result, NeedsIdentity>,
): Operation<Defs & LocalPaging, Result, NeedsIdentity> {
  return {
    ...operation,
    args: { ...operation.args, ...localPaging },
    render: (result, args) => pageOf(operation.render(result, args), args.limit, args.cursor),
  };
}

function pageOf(output: Output, limit: number | undefined, offset: number | undefined): Output {
  if (output.kind !== "list" || (limit === undefined && offset === undefined)) return output;
  const start = offset ?? 0;
  const end = limit === undefined ? output.items.length : start + limit;
  const total = output.items.length;
  return {
    ...output,
    items: output.items.slice(start, end),
    ...(start > 0 && start >= total
      ? { empty: `Nothing from this cursor on: the list has ${total} now.` }
      : {}),
    ...(end < total ? { nextCursor: encodeOffset(end) } : {}),
  };
}
