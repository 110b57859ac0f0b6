import type { Logger } from "pino";
import type { PrunedTable, RetentionStore } from "../store/types.js";
import type { Clock } from "./ports.js";

const DAY_MS = 86_400_000;

export interface RetentionSettings {
  /** Days the audit log is kept (OPSBOT_RETENTION_AUDIT_DAYS); 0 keeps it for ever. */
  readonly auditDays: number;
  /** Days ended approvals, ended follow-ups and command notes are kept (OPSBOT_RETENTION_DAYS); 0: for ever. */
  readonly otherDays: number;
  /** Rows one statement deletes at most: small, so that no prune holds a lock for long. */
  readonly batchSize: number;
  /** Batches one run deletes at most per table; the next run goes on where it stopped. */
  readonly maxBatches: number;
  /** The first run after start-up (kept off the start itself), then the interval between runs. */
  readonly firstRunMs: number;
  readonly everyMs: number;
}

export const DEFAULT_RETENTION: RetentionSettings = {
  auditDays: 90,
  otherDays: 30,
  batchSize: 500,
  maxBatches: 200,
  firstRunMs: 60_000,
  everyMs: 3_600_000,
};

export interface RetentionDeps {
  readonly store: RetentionStore;
  readonly now: Clock;
  readonly logger: Logger;
  /** Told how many rows each batch deleted (the metrics counter). */
  readonly onPruned?: (table: PrunedTable, count: number) => void;
  readonly settings?: Partial<RetentionSettings>;
}

/**
 * Deletes what opsbot no longer needs once it is older than its retention: audit entries, then ended
 * approval requests, ended follow-ups and command notes. Each table in small batches, one statement
 * each, so that the commands being handled meanwhile never wait long for the database. Every replica
 * may run it: the deletes are idempotent, and on PostgreSQL replicas skip each other's rows.
 */
export class Retention {
  readonly #deps: RetentionDeps;
  readonly #settings: RetentionSettings;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(deps: RetentionDeps) {
    this.#deps = deps;
    this.#settings = { ...DEFAULT_RETENTION, ...deps.settings };
  }

  /** One pass over every table, by the clock's now; resolves to how many rows each lost. */
  async pruneOnce(): Promise<Record<PrunedTable, number>> {
    const { auditDays, otherDays } = this.#settings;
    const now = this.#deps.now();
    const days: Record<PrunedTable, number> = {
      audit: auditDays,
      approvals: otherDays,
      followups: otherDays,
      intake: otherDays,
    };
    const pruned: Record<PrunedTable, number> = { audit: 0, approvals: 0, followups: 0, intake: 0 };
    for (const table of Object.keys(days) as PrunedTable[]) {
      const keepDays = days[table];
      if (keepDays > 0) pruned[table] = await this.#prune(table, now - keepDays * DAY_MS);
    }
    const total = Object.values(pruned).reduce((sum, n) => sum + n, 0);
    if (total > 0) this.#deps.logger.info({ pruned }, "old records pruned");
    return pruned;
  }

  /** Runs a minute after start-up, then hourly; a run still under way is not started twice. */
  start(): void {
    if (this.#timer) return;
    const run = () => {
      if (this.#running) return;
      this.#running = this.pruneOnce()
        .catch((error: unknown) => this.#deps.logger.error({ err: error }, "pruning old records failed"))
        .finally(() => {
          this.#running = undefined;
        });
    };
    this.#timer = setTimeout(() => {
      run();
      this.#timer = setInterval(run, this.#settings.everyMs);
      this.#timer.unref();
    }, this.#settings.firstRunMs);
    this.#timer.unref();
  }

  /** No further run; waits for one under way. */
  async stop(): Promise<void> {
    // clearTimeout and clearInterval take each other's handles in Node.
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  async #prune(table: PrunedTable, before: number): Promise<number> {
    const { batchSize, maxBatches } = this.#settings;
    let total = 0;
    for (let batch = 0; batch < maxBatches; batch++) {
      const count = await this.#deps.store.prune(table, before, batchSize);
      if (count > 0) this.#deps.onPruned?.(table, count);
      total += count;
      if (count < batchSize) break;
      // Lets the commands and clicks queued meanwhile have the database between two batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return total;
  }
}
