import type { Logger } from "pino";
import type { ProcessStore } from "../store/types.js";

export interface HeartbeatOptions {
  readonly processes: ProcessStore;
  readonly processId: string;
  /** A heartbeat older than this (by the database's clock) means the process is gone. */
  readonly staleAfterMs: number;
  readonly logger: Logger;
}

/**
 * Keeps this process registered as alive in the store, so that other replicas leave its work alone:
 * three beats per stale limit, so one late or lost beat does not make it look dead. A clean stop says so
 * at once, and the survivors take over what it leaves without waiting for the limit.
 */
export class Heartbeat {
  readonly #options: HeartbeatOptions;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: HeartbeatOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    const { processes, processId, staleAfterMs, logger } = this.#options;
    // A store that cannot be reached now is not fatal: each beat registers the process if it is missing.
    await processes
      .register(processId)
      .catch((error: unknown) => logger.error({ err: error }, "this process could not be registered"));
    if (this.#timer) return;
    this.#timer = setInterval(
      () => {
        processes
          .heartbeat(processId)
          .catch((error: unknown) => logger.warn({ err: error }, "a heartbeat could not be written"));
      },
      Math.max(1, Math.floor(staleAfterMs / 3)),
    );
    this.#timer.unref();
  }

  /** Stops beating and marks the process stopped: its remaining work may be taken over at once. */
  async stop(): Promise<void> {
    const { processes, processId, logger } = this.#options;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await processes
      .markStopped(processId)
      .catch((error: unknown) => logger.warn({ err: error }, "this process could not be marked stopped"));
  }
}
