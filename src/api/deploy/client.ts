import { type ClientDeps, createBackendClient, notConfiguredClient } from "../client.js";
import type { ClientOf } from "../endpoint.js";
import { ApiError } from "../errors.js";
import { identityHeaders } from "../identity.js";
import type { DeploySettings } from "../settings.js";
import type { BackendAdapter, BackendErrorInfo, Transport } from "../transport.js";
import { deployEndpoints } from "./endpoints.js";

export type DeployClient = ClientOf<typeof deployEndpoints>;

export interface DeployClientHandle {
  readonly client: DeployClient;
  /** Undefined when the API is not configured (nothing to close). */
  readonly transport: Transport | undefined;
}

export const DEPLOY_NOT_CONFIGURED = "the Deploy API is not configured (set DEPLOY_API_URL)";

// An error body might echo the authtoken cookie; a JWT is a credential, so it is never shown.
const JWT_LIKE = /[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;

/** Deploy API error bodies: `{"error": "..."}` (or `message`), or plain text. */
export function describeDeployError(body: unknown): BackendErrorInfo {
  let message: string | undefined;
  if (body && typeof body === "object") {
    const { error, message: text } = body as { error?: unknown; message?: unknown };
    if (typeof error === "string") message = error;
    else if (typeof text === "string") message = text;
  } else if (typeof body === "string" && body.trim() && !/^\s*</.test(body)) {
    // An HTML error page says nothing useful; a text body's first line usually does.
    message = body.trim().split("\n")[0];
  }
  return message ? { message: message.replace(JWT_LIKE, "[redacted]") } : {};
}

/**
 * Protected routes get the caller's Identity (header email or authtoken cookie); the others get no
 * identity at all. The Deploy API has no credentials of its own.
 */
export function deployAdapter(): BackendAdapter {
  return {
    backend: "deploy",
    secrets: [],
    async authHeaders(endpoint, options) {
      if (!endpoint.needsIdentity) return {};
      const identity = "identity" in options ? options.identity : undefined;
      if (!identity)
        throw new ApiError({
          backend: "deploy",
          operation: endpoint.id,
          kind: "invalid_request",
          safeMessage: `${endpoint.id} is a protected route: it needs the identity of the person asking`,
          retryable: false,
          tries: 0,
        });
      return identityHeaders(identity);
    },
    describeError: describeDeployError,
  };
}

export function createDeployClient(settings: DeploySettings, deps: ClientDeps): DeployClientHandle {
  if (settings.baseUrl === undefined)
    return {
      client: notConfiguredClient("deploy", deployEndpoints, DEPLOY_NOT_CONFIGURED),
      transport: undefined,
    };
  return createBackendClient(
    {
      adapter: deployAdapter(),
      endpoints: deployEndpoints,
      baseUrl: settings.baseUrl,
      paths: settings.paths,
      pathsVariable: "DEPLOY_API_PATHS",
    },
    deps,
  );
}
