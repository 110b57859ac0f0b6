import type { Logger } from "pino";
import type { Dispatcher } from "undici";
import { ConfigError } from "../lib/config-error.js";
import type { AnyEndpoint, Backend, CallOptions, ClientOf } from "./endpoint.js";
import { ApiError } from "./errors.js";
import type { HttpSettings } from "./settings.js";
import { type BackendAdapter, type CallInfo, Transport } from "./transport.js";

/** What every backend client needs besides its own settings. */
export interface ClientDeps {
  readonly http: HttpSettings;
  /** Injected dispatcher (tests, benchmarks); default: a keep-alive pool per backend origin. */
  readonly dispatcher?: Dispatcher;
  readonly logger?: Logger;
  readonly onCall?: (info: CallInfo) => void;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface BackendClient<Eps extends Record<string, AnyEndpoint>> {
  readonly client: ClientOf<Eps>;
  readonly transport: Transport;
}

/**
 * Builds a backend's transport and typed client. Path overrides are checked against the endpoints here,
 * so a bad override stops start-up with the variable to fix.
 */
export function createBackendClient<Eps extends Record<string, AnyEndpoint>>(
  spec: {
    readonly adapter: BackendAdapter;
    readonly endpoints: Eps;
    readonly baseUrl: string;
    readonly paths: Readonly<Record<string, string>>;
    readonly pathsVariable: string;
  },
  deps: ClientDeps,
): BackendClient<Eps> {
  const problems = Transport.checkOverrides(Object.values(spec.endpoints), spec.paths);
  if (problems.length > 0)
    throw new ConfigError(problems.map((message) => ({ variable: spec.pathsVariable, message })));
  const transport = new Transport({
    adapter: spec.adapter,
    baseUrl: spec.baseUrl,
    pathOverrides: spec.paths,
    timeouts: {
      connectMs: deps.http.connectTimeoutMs,
      headersMs: deps.http.headersTimeoutMs,
      bodyMs: deps.http.bodyTimeoutMs,
      overallMs: deps.http.deadlineMs,
    },
    connections: deps.http.connections,
    ...(deps.dispatcher ? { dispatcher: deps.dispatcher } : {}),
    ...(deps.logger ? { logger: deps.logger.child({ module: `api.${spec.adapter.backend}` }) } : {}),
    ...(deps.onCall ? { onCall: deps.onCall } : {}),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
  });
  return { client: createClient(transport, spec.endpoints), transport };
}

/**
 * Builds the typed client for a map of endpoints: one method per endpoint, each validating its input,
 * sending it through the transport and returning the parsed response.
 */
export function createClient<Eps extends Record<string, AnyEndpoint>>(
  transport: Transport,
  endpoints: Eps,
): ClientOf<Eps> {
  const client: Record<string, (input: unknown, options?: CallOptions) => Promise<unknown>> = {};
  for (const [name, endpoint] of Object.entries(endpoints)) {
    if (endpoint.backend !== transport.backend)
      throw new Error(`endpoint ${endpoint.id} belongs to ${endpoint.backend}, not ${transport.backend}`);
    if (endpoint.needsIdentity) {
      client[name] = (input, options) => {
        // The types already demand an identity; this guards JavaScript callers and casts.
        if (!options || !("identity" in options) || !options.identity)
          return Promise.reject(new Error(`${endpoint.id} is a protected route: an identity is required`));
        return transport.call(endpoint, input, options);
      };
    } else client[name] = (input, options) => transport.call(endpoint, input, options);
  }
  return client as unknown as ClientOf<Eps>;
}

/**
 * The client of a backend that has no base URL configured: every method rejects with a `not_configured`
 * ApiError (nothing is sent), so the rest of the bot can answer "not configured" instead of crashing.
 */
export function notConfiguredClient<Eps extends Record<string, AnyEndpoint>>(
  backend: Backend,
  endpoints: Eps,
  safeMessage: string,
): ClientOf<Eps> {
  const client: Record<string, () => Promise<never>> = {};
  for (const [name, endpoint] of Object.entries(endpoints))
    client[name] = () =>
      Promise.reject(
        new ApiError({
          backend,
          operation: endpoint.id,
          kind: "not_configured",
          safeMessage,
          retryable: false,
          tries: 0,
        }),
      );
  return client as unknown as ClientOf<Eps>;
}
