import { type BackendClient, type ClientDeps, createBackendClient } from "../client.js";
import type { ClientOf } from "../endpoint.js";
import { ApiError } from "../errors.js";
import type { CalyptiaSettings } from "../settings.js";
import type { BackendAdapter, BackendErrorInfo } from "../transport.js";
import { calyptiaEndpoints } from "./endpoints.js";

export type CalyptiaClient = ClientOf<typeof calyptiaEndpoints>;

/** Calyptia error bodies: `{"error": "...", "detail"?: "..."}` on any status >= 400. */
export function describeCalyptiaError(body: unknown): BackendErrorInfo {
  if (body && typeof body === "object") {
    const { error, detail } = body as { error?: unknown; detail?: unknown };
    if (typeof error === "string")
      return { message: typeof detail === "string" && detail ? `${error} (${detail})` : error };
  }
  return typeof body === "string" && body.trim() ? { message: body.trim().split("\n")[0] } : {};
}

export function calyptiaAdapter(settings: CalyptiaSettings): BackendAdapter {
  return {
    backend: "calyptia",
    secrets: [settings.token],
    async authHeaders(endpoint) {
      if (!settings.token)
        throw new ApiError({
          backend: "calyptia",
          operation: endpoint.id,
          kind: "not_configured",
          safeMessage: "the Calyptia Cloud API is not configured (set CALYPTIA_API_TOKEN)",
          retryable: false,
          tries: 0,
        });
      // A project token goes in X-Project-Token (what the official client sends); a user token is a Bearer.
      return settings.authScheme === "bearer"
        ? { authorization: `Bearer ${settings.token.reveal()}` }
        : { "x-project-token": settings.token.reveal() };
    },
    describeError: describeCalyptiaError,
  };
}

export function createCalyptiaClient(
  settings: CalyptiaSettings,
  deps: ClientDeps,
): BackendClient<typeof calyptiaEndpoints> {
  return createBackendClient(
    {
      adapter: calyptiaAdapter(settings),
      endpoints: calyptiaEndpoints,
      baseUrl: settings.baseUrl,
      paths: settings.paths,
      pathsVariable: "CALYPTIA_API_PATHS",
    },
    deps,
  );
}
