import type { Logger } from "pino";
import type { AuditEntry, AuditStore } from "../store/types.js";

/**
 * Appends to the audit log and writes the same record as a log line. A failing store must not stop an
 * operation that was allowed (nor hide one): the failure is logged loudly with the record.
 */
export class Auditor {
  constructor(
    private readonly store: AuditStore,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    /** Sees every record first (the metrics count commands by outcome from here). */
    private readonly observe?: (entry: AuditEntry) => void,
  ) {}

  async record(entry: Omit<AuditEntry, "at" | "id">): Promise<void> {
    const full: AuditEntry = { at: this.now(), ...entry };
    this.observe?.(full);
    this.logger.info(
      { audit: full },
      `audit: ${entry.kind} ${entry.operationId ?? ""} ${entry.outcome}`.trim(),
    );
    try {
      await this.store.append(full);
    } catch (error) {
      this.logger.error({ err: error, audit: full }, "the audit log could not be written");
    }
  }
}
