import { z } from "zod";
import type { CallResult, OutboxWrite } from "./types.js";

/** Slack error codes after which Slack did not carry the call out: trying again is safe and may work. */
const TRANSIENT_CODES = new Set(["ratelimited", "rate_limited", "service_unavailable", "request_timeout"]);

/**
 * Slack's own words for the first two: "It's possible some aspect of the operation succeeded before the
 * error was raised". The last is ours: an answer that came but could not be read.
 */
const MAYBE_DONE_CODES = new Set(["internal_error", "fatal_error", "invalid_response"]);

/** Network errors raised before a byte of the request left: connection refused, no such host. */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT"]);

/** How one call ended, as far as retrying goes. */
export type Outcome =
  | { readonly kind: "ok"; readonly result: CallResult }
  | { readonly kind: "rate_limited"; readonly retryAfterMs: number }
  /** Slack certainly did not carry the call out, and may take it later. */
  | { readonly kind: "transient"; readonly code: string; readonly cause?: unknown }
  /** The answer was lost or spoilt: Slack may or may not have carried the call out. */
  | { readonly kind: "unknown"; readonly code: string; readonly cause?: unknown }
  | { readonly kind: "permanent"; readonly code: string; readonly cause?: unknown };

export type Failure = Exclude<Outcome, { kind: "ok" }>;

// The shapes @slack/web-api throws (WebAPIRateLimitedError, WebAPIPlatformError, WebAPIHTTPError), read
// structurally so that any `call` that throws alike is understood.
const RateLimitedError = z.object({ retryAfter: z.number().nonnegative() });
const PlatformError = z.object({ data: z.object({ error: z.string().optional() }) });
const HttpError = z.object({ statusCode: z.number().int() });
/** web-api's own refusal of upload arguments, thrown before anything is sent. */
const FileUploadArgsError = z.object({ code: z.string().startsWith("slack_webapi_file_upload") });
const Result = z.looseObject({
  ok: z.boolean(),
  ts: z.string().optional(),
  channel: z.string().optional(),
  files: z.array(z.looseObject({ id: z.string(), title: z.string().optional() })).optional(),
  error: z.string().optional(),
});

/** Slack asks for whole seconds; never retry sooner than one, even if told 0. */
export const retryAfterMs = (seconds: number) => Math.max(1, seconds) * 1000;

export function byCode(code: string, cause?: unknown): Failure {
  if (TRANSIENT_CODES.has(code)) return { kind: "transient", code, cause };
  if (MAYBE_DONE_CODES.has(code)) return { kind: "unknown", code, cause };
  return { kind: "permanent", code, cause };
}

export function byStatus(status: number, cause?: unknown): Failure {
  // A 429 without Retry-After still means "slow down": wait a second rather than back off blindly.
  if (status === 429) return { kind: "rate_limited", retryAfterMs: retryAfterMs(1) };
  const code = `http_${status}`;
  // A 5xx may come from a proxy that gave up waiting while Slack went on with the call.
  return status >= 500 ? { kind: "unknown", code, cause } : { kind: "permanent", code, cause };
}

export function classifyResult(raw: unknown): Outcome {
  const parsed = Result.safeParse(raw);
  if (!parsed.success) return byCode("invalid_response", parsed.error);
  const { ok, error, ts, channel, files } = parsed.data;
  if (ok) {
    return {
      kind: "ok",
      result: {
        ok,
        ...(ts === undefined ? {} : { ts }),
        ...(channel === undefined ? {} : { channel }),
        ...(files === undefined ? {} : { files: files.map(fileOf) }),
      },
    };
  }
  return byCode(error ?? "unknown_error");
}

export function classifyError(err: unknown): Failure {
  const limited = RateLimitedError.safeParse(err);
  if (limited.success) return { kind: "rate_limited", retryAfterMs: retryAfterMs(limited.data.retryAfter) };
  const platform = PlatformError.safeParse(err);
  // web-api throws an answer without `ok: true` as a platform error, even one too spoilt to name its error.
  if (platform.success) return byCode(platform.data.data.error ?? "invalid_response", err);
  const http = HttpError.safeParse(err);
  if (http.success) return byStatus(http.data.statusCode, err);
  const args = FileUploadArgsError.safeParse(err);
  if (args.success) return { kind: "permanent", code: args.data.code, cause: err };
  return classifyNetworkError(err);
}

/**
 * A request that failed without an answer. Only a refused connection or an unknown host prove the
 * request never left; a reset, a cut answer or a timeout may come after Slack carried it out.
 */
export function classifyNetworkError(err: unknown): Failure {
  const chain = errorChain(err);
  if (chain.some((e) => NOT_SENT_CODES.has(String(e.code)))) {
    return { kind: "transient", code: "connection_failed", cause: err };
  }
  if (chain.some((e) => e.name === "TimeoutError")) return { kind: "unknown", code: "timeout", cause: err };
  return { kind: "unknown", code: "request_error", cause: err };
}

/** The error and what it wraps: `cause`, web-api's `original`, an AggregateError's `errors`. */
function errorChain(err: unknown): { name?: unknown; code?: unknown }[] {
  const seen: { name?: unknown; code?: unknown }[] = [];
  const queue: unknown[] = [err];
  while (queue.length > 0 && seen.length < 10) {
    const error = queue.shift();
    if (typeof error !== "object" || error === null || seen.includes(error)) continue;
    seen.push(error);
    const { cause, original, errors } = error as { cause?: unknown; original?: unknown; errors?: unknown };
    queue.push(cause, original, ...(Array.isArray(errors) ? errors : []));
  }
  return seen;
}

function fileOf(file: { id: string; title?: string | undefined }): { id: string; title?: string } {
  return { id: file.id, ...(file.title === undefined ? {} : { title: file.title }) };
}

/** A message the outbox could not deliver; `code` is Slack's error code (or `http_503`, `timeout`, ...). */
export class SlackOutboxError extends Error {
  readonly code: string;
  readonly method: OutboxWrite;
  /** Calls made for this message, 429s not counted. */
  readonly attempts: number;
  /** False when Slack did not refuse it: given up after maxAttempts (or at stop), or of unknown outcome. */
  readonly permanent: boolean;
  /**
   * Slack may have carried the last attempt out: its answer was lost (timeout, 5xx, cut or unreadable).
   * Not retried, since sending again could do it twice and there is no way to look for it.
   */
  readonly outcomeUnknown: boolean;

  constructor(
    method: OutboxWrite,
    code: string,
    details: { attempts: number; permanent: boolean; outcomeUnknown?: boolean; cause?: unknown },
  ) {
    const unknown = details.outcomeUnknown ?? false;
    super(
      `${method} failed: ${code}${unknown ? " (Slack may have carried it out; not sent again)" : ""}`,
      details.cause === undefined ? {} : { cause: details.cause },
    );
    this.name = "SlackOutboxError";
    this.method = method;
    this.code = code;
    this.attempts = details.attempts;
    this.permanent = details.permanent;
    this.outcomeUnknown = unknown;
  }
}

/** Thrown for work handed to an outbox that is stopping. */
export const STOPPED = "outbox_stopped";
