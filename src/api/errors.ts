import type { Backend } from "./endpoint.js";

export type ApiErrorKind =
  /** The request was refused before sending: an argument broke a rule (see `issues`). */
  | "invalid_request"
  /** The backend answered with an HTTP error status. */
  | "http"
  /** The connection failed or was reset. */
  | "network"
  /** A connect, headers or body timeout fired. */
  | "timeout"
  /** The backend answered 2xx but the body did not have the documented shape. */
  | "contract"
  /** The caller aborted the call. */
  | "aborted"
  /** The backend is not configured (no base URL or credentials). */
  | "not_configured";

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `frontendPort` or `selectors.0.match_labels`. */
  readonly field: string;
  readonly message: string;
}

export interface ApiErrorInit {
  readonly backend: Backend;
  readonly operation: string;
  readonly kind: ApiErrorKind;
  /** Short text that is safe to show a Slack user: truncated, scrubbed of secrets. */
  readonly safeMessage: string;
  readonly status?: number | undefined;
  /** True when trying the same call again later may succeed (the caller decides whether to). */
  readonly retryable: boolean;
  /**
   * True when the request may have reached the backend but its outcome is unknown (a timeout or reset
   * on an operation that is not safe to repeat): the user should check state before trying again.
   */
  readonly outcomeUnknown?: boolean;
  /** The backend's own request or correlation ID, which its support will ask for. */
  readonly requestId?: string | undefined;
  readonly issues?: readonly FieldIssue[];
  readonly tries?: number;
  readonly cause?: unknown;
}

/** The one error type the API layer throws. Never wraps a raw transport error without translating it. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly backend: Backend;
  readonly operation: string;
  readonly kind: ApiErrorKind;
  readonly safeMessage: string;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly outcomeUnknown: boolean;
  readonly requestId: string | undefined;
  readonly issues: readonly FieldIssue[];
  readonly tries: number;

  constructor(init: ApiErrorInit) {
    super(`${init.backend} ${init.operation}: ${init.safeMessage}`, { cause: init.cause });
    this.backend = init.backend;
    this.operation = init.operation;
    this.kind = init.kind;
    this.safeMessage = init.safeMessage;
    this.status = init.status;
    this.retryable = init.retryable;
    this.outcomeUnknown = init.outcomeUnknown ?? false;
    this.requestId = init.requestId;
    this.issues = init.issues ?? [];
    this.tries = init.tries ?? 1;
  }

  /** What to show a user: the safe message plus the backend's request ID when there is one. */
  userMessage(): string {
    const id = this.requestId ? ` (request ID ${this.requestId})` : "";
    return `${this.safeMessage}${id}`;
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}
