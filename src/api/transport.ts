import type { Logger } from "pino";
import { type Dispatcher, Pool } from "undici";
import type { z } from "zod";
import { type Secret, scrubSecrets, truncate } from "../lib/secret.js";
import { RESPONSE_TOO_LARGE, readCapped } from "./body.js";
import type { AnyEndpoint, Backend, CallOptions, IdentityCallOptions, ResponseMeta } from "./endpoint.js";
import { ApiError, type ApiErrorKind, type FieldIssue } from "./errors.js";
import {
  type CompiledPath,
  compilePath,
  PathSegmentError,
  placeholdersOf,
  samePlaceholders,
} from "./path.js";
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  sleep as defaultSleep,
  parseRetryAfter,
  RETRYABLE_STATUSES,
  type RetryPolicy,
} from "./retry.js";

export interface Timeouts {
  readonly connectMs: number;
  readonly headersMs: number;
  readonly bodyMs: number;
  /** The whole call, retries and their waits included: nothing a person waits on runs unbounded. */
  readonly overallMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = {
  connectMs: 5_000,
  headersMs: 15_000,
  bodyMs: 30_000,
  overallMs: 60_000,
};

/** What a backend's error body says, in its own format. */
export interface BackendErrorInfo {
  readonly message?: string | undefined;
  readonly requestId?: string | undefined;
}

/** Everything the transport needs to know about one backend. */
export interface BackendAdapter {
  readonly backend: Backend;
  /** Headers that authenticate the call (token, identity). May fetch or refresh a token. */
  authHeaders(
    endpoint: AnyEndpoint,
    options: CallOptions | IdentityCallOptions,
  ): Promise<Record<string, string>>;
  /**
   * Called once after a 401 when credentials may be stale (a cached OAuth token). Returning true makes
   * the transport send the call once more with fresh headers: a 401 means the backend refused the call
   * before acting on it, so this second try is harmless even for unsafe operations.
   */
  reauthenticate?(): Promise<boolean>;
  /** Reads the backend's error body (already parsed as JSON when it was JSON). */
  describeError(body: unknown): BackendErrorInfo;
  /** Secrets to scrub from anything shown or logged. */
  readonly secrets: readonly (Secret | undefined)[];
}

export interface CallInfo {
  readonly backend: Backend;
  readonly operation: string;
  readonly status: number | undefined;
  readonly outcome: "ok" | ApiErrorKind;
  readonly durationMs: number;
  readonly tries: number;
}

export interface TransportOptions {
  readonly adapter: BackendAdapter;
  /** Base URL, possibly with a path prefix (`https://host/apps/deploy-api`). */
  readonly baseUrl: string;
  /** Injected dispatcher (tests, shared agents). Default: one keep-alive Pool for the base URL's origin. */
  readonly dispatcher?: Dispatcher;
  readonly timeouts?: Partial<Timeouts>;
  readonly connections?: number;
  readonly retryPolicy?: Partial<RetryPolicy>;
  /** Path template overrides keyed by endpoint id (configuration); placeholders must match the default. */
  readonly pathOverrides?: Readonly<Record<string, string>>;
  readonly maxResponseBytes?: number;
  readonly logger?: Logger;
  readonly onCall?: (info: CallInfo) => void;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random?: () => number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const SAFE_MESSAGE_LENGTH = 300;

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: "the request was rejected as invalid",
  401: "opsbot's credentials were rejected",
  403: "permission denied",
  404: "not found",
  409: "conflict with the current state",
  412: "a precondition failed",
  422: "the request could not be processed",
  429: "rate limited by the backend",
  500: "internal error in the backend",
  502: "bad gateway in front of the backend",
  503: "the backend is unavailable",
  504: "the backend timed out",
};

/** Error codes raised before any byte of the request reached the server. */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT"]);

/** What does not change between calls of one endpoint: its path template, split once, and its keys. */
interface Plan {
  readonly path: CompiledPath;
  readonly pathKeys: ReadonlySet<string>;
  readonly queryKeys: ReadonlySet<string>;
}

interface Attempt {
  readonly kind: "response";
  readonly status: number;
  readonly headers: ResponseMeta["headers"];
  readonly text: string;
}

/**
 * One HTTP transport per backend origin: keep-alive pool, timeouts, per-endpoint retries, typed errors,
 * zod validation of what goes out and what comes back.
 */
export class Transport {
  readonly backend: Backend;
  readonly #adapter: BackendAdapter;
  readonly #origin: string;
  readonly #prefix: string;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #timeouts: Timeouts;
  readonly #retry: RetryPolicy;
  readonly #overrides: Readonly<Record<string, string>>;
  readonly #maxResponseBytes: number;
  readonly #logger: Logger | undefined;
  readonly #onCall: ((info: CallInfo) => void) | undefined;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #random: () => number;
  readonly #plans = new WeakMap<AnyEndpoint, Plan>();

  constructor(options: TransportOptions) {
    const url = new URL(options.baseUrl);
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new Error(`${options.adapter.backend}: base URL must be http(s)`);
    this.backend = options.adapter.backend;
    this.#adapter = options.adapter;
    this.#origin = url.origin;
    this.#prefix = url.pathname.replace(/\/+$/, "");
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retryPolicy };
    this.#overrides = options.pathOverrides ?? {};
    this.#maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.#logger = options.logger;
    this.#onCall = options.onCall;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#random = options.random ?? Math.random;
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ??
      new Pool(this.#origin, {
        connections: options.connections ?? 64,
        keepAliveTimeout: 10_000,
        connect: { timeout: this.#timeouts.connectMs },
      });
  }

  /** Checks path overrides against the endpoints they name; returns one problem per bad override. */
  static checkOverrides(
    endpoints: readonly AnyEndpoint[],
    overrides: Readonly<Record<string, string>>,
  ): string[] {
    const byId = new Map(endpoints.map((e) => [e.id, e]));
    const problems: string[] = [];
    for (const [id, template] of Object.entries(overrides)) {
      const endpoint = byId.get(id);
      if (!endpoint) problems.push(`unknown operation "${id}"`);
      else if (!template.startsWith("/")) problems.push(`${id}: path must start with "/"`);
      else if (!samePlaceholders(template, endpoint.path)) {
        const expected = placeholdersOf(endpoint.path).map((p) => `{${p.name}${p.multi ? "*" : ""}}`);
        problems.push(
          expected.length > 0
            ? `${id}: path must use the placeholders ${expected.join(", ")}`
            : `${id}: path must have no placeholders`,
        );
      }
    }
    return problems;
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  /** The path template in force for an endpoint (configuration override or default). */
  pathTemplate(endpoint: AnyEndpoint): string {
    return this.#overrides[endpoint.id] ?? endpoint.path;
  }

  async call<E extends AnyEndpoint>(
    endpoint: E,
    rawInput: unknown,
    options: CallOptions | IdentityCallOptions = {},
  ): Promise<unknown> {
    const started = performance.now();
    let tries = 0;
    let status: number | undefined;
    const deadline = AbortSignal.timeout(this.#timeouts.overallMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    // What the call's own parts see: the caller's cancellation or the deadline, whichever comes first.
    const bounded = { ...options, signal };
    try {
      const prepared = this.#prepare(endpoint, rawInput);
      let reauthenticated = false;
      for (;;) {
        tries++;
        const headers = { ...prepared.headers, ...(await this.#adapter.authHeaders(endpoint, bounded)) };
        let attempt: Attempt;
        try {
          attempt = await this.#send(endpoint, prepared, headers, signal);
        } catch (cause) {
          const error = this.#transportError(endpoint, cause, tries, signal, deadline);
          if (error.retryable && endpoint.retry === "safe" && tries < this.#retry.maxTries) {
            await this.#sleep(backoffDelay(tries, this.#retry, this.#random), signal);
            continue;
          }
          throw error;
        }
        status = attempt.status;
        if (status >= 200 && status < 300) {
          const result = this.#parseSuccess(endpoint, attempt, tries);
          this.#report(endpoint, status, "ok", started, tries);
          return result;
        }

        if (status === 401 && !reauthenticated && this.#adapter.reauthenticate) {
          reauthenticated = true;
          if (await this.#adapter.reauthenticate()) {
            tries--; // a refreshed credential is not a retry of the operation
            continue;
          }
        }
        const error = this.#httpError(endpoint, attempt, tries);
        if (RETRYABLE_STATUSES.has(status) && endpoint.retry === "safe" && tries < this.#retry.maxTries) {
          const retryAfter = parseRetryAfter(attempt.headers["retry-after"], Date.now());
          if (retryAfter === undefined || retryAfter <= this.#retry.maxRetryAfterMs) {
            const jitter = backoffDelay(tries, this.#retry, this.#random);
            await this.#sleep(retryAfter ?? jitter, signal);
            continue;
          }
        }
        throw error;
      }
    } catch (error) {
      const apiError =
        error instanceof ApiError ? error : this.#transportError(endpoint, error, tries, signal, deadline);
      this.#report(endpoint, apiError.status ?? status, apiError.kind, started, tries);
      throw apiError;
    }
  }

  #report(
    endpoint: AnyEndpoint,
    status: number | undefined,
    outcome: CallInfo["outcome"],
    started: number,
    tries: number,
  ) {
    const info: CallInfo = {
      backend: this.backend,
      operation: endpoint.id,
      status,
      outcome,
      durationMs: performance.now() - started,
      tries,
    };
    this.#logger?.debug(info, "backend call");
    try {
      this.#onCall?.(info);
    } catch (error) {
      // A metrics hook that throws must not turn the call's outcome into another one.
      this.#logger?.warn({ err: error }, "onCall hook failed");
    }
  }

  #prepare(endpoint: AnyEndpoint, rawInput: unknown) {
    const parsed = endpoint.input.safeParse(rawInput ?? {});
    if (!parsed.success) throw this.#invalid(endpoint, toFieldIssues(parsed.error));
    const input = (parsed.data ?? {}) as Record<string, unknown>;
    const plan = this.#plan(endpoint);
    let path: string;
    try {
      path = this.#prefix + plan.path.render(input);
    } catch (error) {
      if (error instanceof PathSegmentError)
        throw this.#invalid(endpoint, [{ field: error.param, message: error.reason }]);
      throw error;
    }
    let search: URLSearchParams | undefined;
    const bodyFields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input)) {
      if (value === undefined || plan.pathKeys.has(key)) continue;
      if (plan.queryKeys.has(key)) {
        search ??= new URLSearchParams();
        for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
      } else bodyFields[key] = value;
    }
    const query = search ? search.toString() : "";
    const headers: Record<string, string> = { accept: "application/json" };
    let body: string | Buffer | undefined;
    if (endpoint.body === "json") {
      body = JSON.stringify(bodyFields);
      headers["content-type"] = "application/json";
    } else if (endpoint.body === "multipart") {
      return { path: query ? `${path}?${query}` : path, headers, multipart: bodyFields };
    }
    return { path: query ? `${path}?${query}` : path, headers, body };
  }

  #plan(endpoint: AnyEndpoint): Plan {
    let plan = this.#plans.get(endpoint);
    if (!plan) {
      const path = compilePath(this.pathTemplate(endpoint));
      plan = {
        path,
        pathKeys: new Set(path.placeholders.map((p) => p.name)),
        queryKeys: new Set(endpoint.query ?? []),
      };
      this.#plans.set(endpoint, plan);
    }
    return plan;
  }

  async #send(
    endpoint: AnyEndpoint,
    prepared: {
      path: string;
      headers: Record<string, string>;
      body?: string | Buffer | undefined;
      multipart?: Record<string, unknown>;
    },
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<Attempt> {
    let body = prepared.body;
    if (prepared.multipart) {
      const encoded = await encodeMultipart(prepared.multipart);
      body = encoded.body;
      headers["content-type"] = encoded.contentType;
    }
    const res = await this.#dispatcher.request({
      origin: this.#origin,
      path: prepared.path,
      method: endpoint.method,
      headers,
      body: body ?? null,
      signal: signal ?? null,
      headersTimeout: this.#timeouts.headersMs,
      bodyTimeout: this.#timeouts.bodyMs,
    });
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    const text = await readCapped(res, ok ? this.#maxResponseBytes : MAX_ERROR_BODY_BYTES, ok);
    return { kind: "response", status: res.statusCode, headers: res.headers, text };
  }

  #parseSuccess(endpoint: AnyEndpoint, attempt: Attempt, tries: number): unknown {
    const format = endpoint.responseFormat ?? "json";
    let value: unknown = null;
    if (format !== "empty" && attempt.text.trim() !== "") {
      try {
        value = JSON.parse(attempt.text);
      } catch {
        if (format === "json")
          throw this.#contract(endpoint, "the response is not valid JSON", attempt.status, tries);
        value = attempt.text;
      }
    } else if (format === "json" && attempt.status !== 204) {
      throw this.#contract(endpoint, "the response body is empty", attempt.status, tries);
    }
    const parsed = endpoint.response.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue && issue.path.length > 0 ? `field "${issue.path.join(".")}"` : "the body";
      // zod says "received undefined" of an absent field: words a user should not have to decode.
      const missing = issue?.code === "invalid_type" && /received undefined$/.test(issue.message);
      throw this.#contract(
        endpoint,
        missing ? `${field} is missing` : `${field}: ${issue?.message ?? "unexpected shape"}`,
        attempt.status,
        tries,
      );
    }
    const meta: ResponseMeta = { status: attempt.status, headers: attempt.headers };
    return endpoint.shape ? endpoint.shape(parsed.data, meta) : parsed.data;
  }

  #httpError(endpoint: AnyEndpoint, attempt: Attempt, tries: number): ApiError {
    let info: BackendErrorInfo = {};
    let body: unknown = attempt.text;
    try {
      body = JSON.parse(attempt.text);
    } catch {
      // a text or HTML error page: its first line may still say something useful
    }
    try {
      info = this.#adapter.describeError(body);
    } catch {
      info = {};
    }
    const fallback = STATUS_TEXT[attempt.status] ?? `HTTP ${attempt.status}`;
    const detail = info.message?.trim() ? info.message.trim() : undefined;
    const message = detail ? `${fallback}: ${detail}` : fallback;
    // The wait the backend asked for is what the user needs to know before trying again.
    const retryAfter =
      attempt.status === 429 ? parseRetryAfter(attempt.headers["retry-after"], Date.now()) : undefined;
    const wait = retryAfter === undefined ? "" : `; retry in ${seconds(retryAfter)}`;
    return new ApiError({
      backend: this.backend,
      operation: endpoint.id,
      kind: "http",
      status: attempt.status,
      safeMessage: this.#safe(`${message} (HTTP ${attempt.status})${wait}`),
      retryable: attempt.status === 429 || attempt.status >= 500,
      requestId: info.requestId ? this.#safe(info.requestId).slice(0, 100) : undefined,
      tries,
    });
  }

  #transportError(
    endpoint: AnyEndpoint,
    cause: unknown,
    tries: number,
    signal: AbortSignal | undefined,
    deadline?: AbortSignal,
  ): ApiError {
    if (cause instanceof ApiError) return cause;
    const code = errorCode(cause);
    const name = cause instanceof Error ? cause.name : "";
    if (code === RESPONSE_TOO_LARGE)
      return this.#contract(
        endpoint,
        `the response is larger than ${this.#maxResponseBytes} bytes`,
        200,
        tries,
      );
    if (deadline?.aborted) {
      const unknown = endpoint.retry === "unsafe";
      return new ApiError({
        backend: this.backend,
        operation: endpoint.id,
        kind: "timeout",
        safeMessage: `did not finish within ${seconds(this.#timeouts.overallMs)}${
          unknown ? "; the outcome is unknown, check the current state before trying again" : ""
        }`,
        retryable: false,
        outcomeUnknown: unknown,
        tries,
        cause,
      });
    }
    if (signal?.aborted || name === "AbortError" || code === "UND_ERR_ABORTED") {
      return new ApiError({
        backend: this.backend,
        operation: endpoint.id,
        kind: "aborted",
        safeMessage: "the call was cancelled",
        retryable: false,
        outcomeUnknown: endpoint.retry === "unsafe",
        tries,
        cause,
      });
    }
    const isTimeout =
      code === "UND_ERR_CONNECT_TIMEOUT" ||
      code === "UND_ERR_HEADERS_TIMEOUT" ||
      code === "UND_ERR_BODY_TIMEOUT";
    const notSent = NOT_SENT_CODES.has(code);
    const kind: ApiErrorKind = isTimeout ? "timeout" : "network";
    const what =
      code === "ECONNREFUSED"
        ? "connection refused"
        : code === "ENOTFOUND" || code === "EAI_AGAIN"
          ? "host not found"
          : code === "UND_ERR_CONNECT_TIMEOUT"
            ? `could not connect within ${seconds(this.#timeouts.connectMs)}`
            : code === "UND_ERR_HEADERS_TIMEOUT"
              ? `did not answer within ${seconds(this.#timeouts.headersMs)}`
              : code === "UND_ERR_BODY_TIMEOUT"
                ? `stopped sending its answer for ${seconds(this.#timeouts.bodyMs)}`
                : "the connection failed";
    const unknownOutcome = !notSent && endpoint.retry === "unsafe";
    return new ApiError({
      backend: this.backend,
      operation: endpoint.id,
      kind,
      safeMessage: unknownOutcome
        ? `${what}; the outcome is unknown, check the current state before trying again`
        : `${what}`,
      retryable: true,
      outcomeUnknown: unknownOutcome,
      tries,
      cause,
    });
  }

  #invalid(endpoint: AnyEndpoint, issues: FieldIssue[]): ApiError {
    const summary = issues.map((i) => (i.field ? `${i.field}: ${i.message}` : i.message)).join("; ");
    return new ApiError({
      backend: this.backend,
      operation: endpoint.id,
      kind: "invalid_request",
      safeMessage: this.#safe(`invalid arguments: ${summary}`),
      retryable: false,
      issues,
      tries: 0,
    });
  }

  #contract(endpoint: AnyEndpoint, what: string, status: number, tries: number): ApiError {
    // A success status on a change means the backend acted: only its answer could not be read.
    const unknownOutcome = endpoint.retry === "unsafe" && status >= 200 && status < 300;
    const outcome = unknownOutcome
      ? "; the outcome is unknown, check the current state before trying again"
      : "";
    return new ApiError({
      backend: this.backend,
      operation: endpoint.id,
      kind: "contract",
      status,
      safeMessage: this.#safe(`unexpected response from the ${this.backend} API: ${what}${outcome}`),
      retryable: false,
      outcomeUnknown: unknownOutcome,
      tries,
    });
  }

  #safe(text: string): string {
    return truncate(
      scrubSecrets(text.replace(/\s+/g, " ").trim(), this.#adapter.secrets),
      SAFE_MESSAGE_LENGTH,
    );
  }
}

export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ field: issue.path.join("."), message: issue.message }));
}

/** A duration as users read it: whole seconds, or milliseconds below one second. */
function seconds(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${Math.round(ms / 1_000)} s`;
}

function errorCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return "";
}

/** Serialises text fields as multipart/form-data (objects as JSON text), with a fixed Content-Length. */
async function encodeMultipart(
  fields: Record<string, unknown>,
): Promise<{ body: Buffer; contentType: string }> {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    form.append(key, typeof value === "string" ? value : JSON.stringify(value));
  }
  const encoded = new Response(form);
  return {
    body: Buffer.from(await encoded.arrayBuffer()),
    contentType: encoded.headers.get("content-type") ?? "multipart/form-data",
  };
}
