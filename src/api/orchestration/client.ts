import { type ClientDeps, createBackendClient, notConfiguredClient } from "../client.js";
import type { ClientOf } from "../endpoint.js";
import type { OrchestrationSettings } from "../settings.js";
import type { BackendAdapter, BackendErrorInfo, Transport } from "../transport.js";
import { orchestrationEndpoints } from "./endpoints.js";
import { OAuthTokenSource, StaticTokenSource, type TokenSource } from "./oauth.js";
import type { RefreshTokenKeeper } from "./refresh-token-keeper.js";

export type OrchestrationClient = ClientOf<typeof orchestrationEndpoints>;

export interface OrchestrationClientHandle {
  readonly client: OrchestrationClient;
  /** Undefined when the API is not configured (nothing to close). */
  readonly transport: Transport | undefined;
}

/** Token-source tuning; tests pass the simulator's clock. */
export interface OrchestrationClientOptions {
  readonly now?: () => number;
  readonly tokenSkewMs?: number;
  /** Where a rotated refresh token is kept (the app passes the store's); without one, in memory only. */
  readonly refreshTokenKeeper?: RefreshTokenKeeper;
}

const CREDENTIAL_VARIABLES =
  "either ORCHESTRATION_API_TOKEN or ORCHESTRATION_CLIENT_ID, ORCHESTRATION_CLIENT_SECRET and " +
  "ORCHESTRATION_REFRESH_TOKEN";

/** Names exactly the variables still missing. */
export function orchestrationNotConfigured(settings: OrchestrationSettings): string {
  const missing = [
    ...(settings.baseUrl === undefined ? ["ORCHESTRATION_API_URL"] : []),
    ...(settings.auth.kind === "none" ? [CREDENTIAL_VARIABLES] : []),
  ];
  return `the Orchestration API is not configured (set ${missing.join(" and ")})`;
}

/** grpc status codes by number, to name the code of a grpc-gateway error body. */
const GRPC_CODES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

/**
 * IMS error bodies: `{"message", "request_id"}`, or grpc-gateway's `{"code", "message", "details"}`
 * where a `google.rpc.RequestInfo` detail may carry the request ID.
 */
export function describeOrchestrationError(body: unknown): BackendErrorInfo {
  if (body && typeof body === "object" && !Array.isArray(body)) {
    const { message, request_id, code, details } = body as Record<string, unknown>;
    let requestId = typeof request_id === "string" && request_id ? request_id : undefined;
    if (!requestId && Array.isArray(details))
      for (const detail of details as unknown[]) {
        const id = (detail as { request_id?: unknown; requestId?: unknown } | null) ?? {};
        const found = typeof id.request_id === "string" ? id.request_id : id.requestId;
        if (typeof found === "string" && found) {
          requestId = found;
          break;
        }
      }
    const codeName = typeof code === "number" ? GRPC_CODES[code] : undefined;
    const text = typeof message === "string" && message ? message : undefined;
    const shown = text && codeName ? `${text} (${codeName})` : (text ?? codeName);
    return { message: shown, requestId };
  }
  return typeof body === "string" && body.trim() && !/^\s*</.test(body)
    ? { message: body.trim().split("\n")[0] }
    : {};
}

export function orchestrationTokenSource(
  settings: OrchestrationSettings,
  deps: ClientDeps,
  options: OrchestrationClientOptions = {},
): TokenSource | undefined {
  const auth = settings.auth;
  if (auth.kind === "static") return new StaticTokenSource(auth.token);
  if (auth.kind === "none") return undefined;
  return new OAuthTokenSource({
    tokenUrl: auth.tokenUrl,
    clientId: auth.clientId,
    clientSecret: auth.clientSecret,
    refreshToken: auth.refreshToken,
    timeoutMs: deps.http.headersTimeoutMs + deps.http.bodyTimeoutMs,
    ...(deps.dispatcher ? { dispatcher: deps.dispatcher } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.tokenSkewMs !== undefined ? { skewMs: options.tokenSkewMs } : {}),
    ...(options.refreshTokenKeeper ? { keeper: options.refreshTokenKeeper } : {}),
    ...(deps.logger ? { logger: deps.logger.child({ module: "api.orchestration.oauth" }) } : {}),
  });
}

export function orchestrationAdapter(tokens: TokenSource): BackendAdapter {
  return {
    backend: "orchestration",
    // A getter: a rotated refresh token and the current access token are scrubbed too.
    get secrets() {
      return tokens.secrets();
    },
    async authHeaders(_endpoint, options) {
      return { authorization: `Bearer ${await tokens.token(options.signal)}` };
    },
    async reauthenticate() {
      if (!tokens.refreshable) return false;
      tokens.invalidate();
      return true;
    },
    describeError: describeOrchestrationError,
  };
}

export function createOrchestrationClient(
  settings: OrchestrationSettings,
  deps: ClientDeps,
  options: OrchestrationClientOptions = {},
): OrchestrationClientHandle {
  const tokens = orchestrationTokenSource(settings, deps, options);
  if (settings.baseUrl === undefined || tokens === undefined)
    return {
      client: notConfiguredClient(
        "orchestration",
        orchestrationEndpoints,
        orchestrationNotConfigured(settings),
      ),
      transport: undefined,
    };
  return createBackendClient(
    {
      adapter: orchestrationAdapter(tokens),
      endpoints: orchestrationEndpoints,
      baseUrl: settings.baseUrl,
      paths: settings.paths,
      pathsVariable: "ORCHESTRATION_API_PATHS",
    },
    deps,
  );
}
