import type { CalyptiaClient } from "./calyptia/client.js";
import { createCalyptiaClient } from "./calyptia/client.js";
import type { ClientDeps } from "./client.js";
import { createDeployClient, type DeployClient } from "./deploy/client.js";
import { createOrchestrationClient, type OrchestrationClient } from "./orchestration/client.js";
import type { RefreshTokenKeeper } from "./orchestration/refresh-token-keeper.js";
import type { ApiSettings } from "./settings.js";

export type { RefreshTokenKeeper } from "./orchestration/refresh-token-keeper.js";

export interface ApiClients {
  readonly calyptia: CalyptiaClient;
  readonly deploy: DeployClient;
  readonly orchestration: OrchestrationClient;
  /** Closes every connection pool. */
  close(): Promise<void>;
}

/** What the clients keep outside themselves (main.ts passes the store's). */
export interface ApiKeepers {
  /** The Orchestration service account's rotated refresh token. */
  readonly orchestrationRefreshToken?: RefreshTokenKeeper;
}

/** One client per backend, built from configuration. */
export function createApiClients(
  config: ApiSettings,
  deps: Omit<ClientDeps, "http">,
  keepers: ApiKeepers = {},
): ApiClients {
  const shared: ClientDeps = { ...deps, http: config.http };
  const calyptia = createCalyptiaClient(config.calyptia, shared);
  const deploy = createDeployClient(config.deploy, shared);
  const orchestration = createOrchestrationClient(
    config.orchestration,
    shared,
    keepers.orchestrationRefreshToken ? { refreshTokenKeeper: keepers.orchestrationRefreshToken } : {},
  );
  return {
    calyptia: calyptia.client,
    deploy: deploy.client,
    orchestration: orchestration.client,
    close: async () => {
      await Promise.all([
        calyptia.transport.close(),
        deploy.transport?.close(),
        orchestration.transport?.close(),
      ]);
    },
  };
}
