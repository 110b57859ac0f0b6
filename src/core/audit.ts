import type { Logger } from "pino";
import type { Catalogue } from "../catalogue/catalogue.js";
import { displayArgs } from "../catalogue/sensitive.js";
import type { AuditEntry, AuditStore } from "../store/types.js";

/**
 * Appends to the audit log and writes the same record as a log line. A failing store must not stop an
 * operation that was allowed (nor hide one): the failure is logged loudly with the record. Sensitive
 * arguments are replaced by their digest first, so neither the row nor the line ever holds them.
 */
export class Auditor {
  constructor(
    private readonly store: AuditStore,
    private readonly logger: Logger,
    /** Where the operations are described, to know which arguments are sensitive. */
    private readonly operations: Pick<Catalogue, "byId">,
    private readonly now: () => number = Date.now,
    /** Sees every record first (the metrics count commands by outcome from here). */
    private readonly observe?: (entry: AuditEntry) => void,
  ) {}

  async record(entry: Omit<AuditEntry, "at" | "id">): Promise<void> {
    const operation = entry.operationId ? this.operations.byId(entry.operationId) : undefined;
    const full: AuditEntry = {
      at: this.now(),
      ...entry,
      ...(entry.args ? { args: displayArgs(operation, entry.args) } : {}),
    };
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
