import { z } from "zod";
import type { CallResult, OutboxMethod } from "./types.js";

/** Slack error codes worth retrying: the platform had a bad moment, the request itself was fine. */
const TRANSIENT_CODES = new Set([
  "ratelimited",
  "rate_limited",
  "service_unavailable",
  "internal_error",
  "fatal_error",
  "request_timeout",
]);

/** How one call ended, as far as retrying goes. */
export type Outcome =
  | { readonly kind: "ok"; readonly result: CallResult }
  | { readonly kind: "rate_limited"; readonly retryAfterMs: number }
  | { readonly kind: "transient"; readonly code: string; readonly cause?: unknown }
  | { readonly kind: "permanent"; readonly code: string; readonly cause?: unknown };

// The shapes @slack/web-api throws (WebAPIRateLimitedError, WebAPIPlatformError, WebAPIHTTPError), read
// structurally so that any `call` that throws alike is understood.
const RateLimitedError = z.object({ retryAfter: z.number().nonnegative() });
const PlatformError = z.object({ data: z.object({ error: z.string() }) });
const HttpError = z.object({ statusCode: z.number().int() });
const Result = z.looseObject({
  ok: z.boolean(),
  ts: z.string().optional(),
  channel: z.string().optional(),
  error: z.string().optional(),
});

/** Slack asks for whole seconds; never retry sooner than one, even if told 0. */
const retryAfterMs = (seconds: number) => Math.max(1, seconds) * 1000;

function byCode(code: string, cause?: unknown): Outcome {
  return TRANSIENT_CODES.has(code) ? { kind: "transient", code, cause } : { kind: "permanent", code, cause };
}

export function classifyResult(raw: unknown): Outcome {
  const parsed = Result.safeParse(raw);
  if (!parsed.success) return { kind: "permanent", code: "invalid_response", cause: parsed.error };
  const { ok, error, ts, channel } = parsed.data;
  if (ok) {
    return {
      kind: "ok",
      result: { ok, ...(ts === undefined ? {} : { ts }), ...(channel === undefined ? {} : { channel }) },
    };
  }
  return byCode(error ?? "unknown_error");
}

export function classifyError(err: unknown): Outcome {
  const limited = RateLimitedError.safeParse(err);
  if (limited.success) return { kind: "rate_limited", retryAfterMs: retryAfterMs(limited.data.retryAfter) };
  const platform = PlatformError.safeParse(err);
  if (platform.success) return byCode(platform.data.data.error, err);
  const http = HttpError.safeParse(err);
  if (http.success) {
    const status = http.data.statusCode;
    // A 429 without Retry-After still means "slow down": wait a second rather than back off blindly.
    if (status === 429) return { kind: "rate_limited", retryAfterMs: retryAfterMs(1) };
    const code = `http_${status}`;
    return status >= 500 ? { kind: "transient", code, cause: err } : { kind: "permanent", code, cause: err };
  }
  // Network errors, timeouts and anything else thrown on the way: the request may never have arrived.
  return { kind: "transient", code: "request_error", cause: err };
}

/** A message the outbox could not deliver; `code` is Slack's error code (or `http_503`, `request_error`, ...). */
export class SlackOutboxError extends Error {
  readonly code: string;
  readonly method: OutboxMethod;
  /** Calls made for this message, 429s not counted. */
  readonly attempts: number;
  /** False when a transient failure was given up after maxAttempts (or at stop) rather than refused. */
  readonly permanent: boolean;

  constructor(
    method: OutboxMethod,
    code: string,
    details: { attempts: number; permanent: boolean; cause?: unknown },
  ) {
    super(`${method} failed: ${code}`, details.cause === undefined ? {} : { cause: details.cause });
    this.name = "SlackOutboxError";
    this.method = method;
    this.code = code;
    this.attempts = details.attempts;
    this.permanent = details.permanent;
  }
}

/** Thrown for work handed to an outbox that is stopping. */
export const STOPPED = "outbox_stopped";
