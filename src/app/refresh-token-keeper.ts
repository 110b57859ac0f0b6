import type { RefreshTokenKeeper } from "../api/index.js";
import type { ServiceStateStore } from "../store/index.js";

/**
 * The Orchestration refresh token kept in the store's service state, one per client ID (a token belongs
 * to its client: after a change of service account the configured token is used again).
 */
export function storedRefreshToken(
  state: ServiceStateStore,
  clientId: string,
  now: () => number = Date.now,
): RefreshTokenKeeper {
  const key = `orchestration.refresh_token:${clientId}`;
  return {
    load: () => state.get(key),
    save: (previous, next) => state.compareAndSet(key, previous, next, now()),
  };
}
