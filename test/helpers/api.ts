import type { HttpSettings } from "../../src/app/config.js";

/** Fast timeouts and no real waiting between retries, for tests against the simulators. */
export const testHttp: HttpSettings = {
  connectTimeoutMs: 2_000,
  headersTimeoutMs: 2_000,
  bodyTimeoutMs: 2_000,
  deadlineMs: 20_000,
  connections: 8,
};

/** A sleep that records the delays it was asked for and returns at once. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms: number) => {
      delays.push(ms);
    },
  };
}
