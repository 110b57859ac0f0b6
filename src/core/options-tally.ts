import { randomUUID } from "node:crypto";
import type { Auditor } from "./audit.js";

export type OptionsOutcome = "answered" | "refused" | "limited" | "failed";

interface Counts {
  channelId: string;
  readonly byRead: Map<string, Record<OptionsOutcome, number>>;
}

/**
 * Dropdown options are asked for on every keystroke, so they are audited in aggregate: counted per
 * person, and written as one `command` row per person and read each time the tally is flushed (every
 * minute, and at stop), e.g. `options: 14 answered, 3 refused, 6 limited`.
 */
export class OptionsTally {
  readonly #audit: Pick<Auditor, "record">;
  #counts = new Map<string, Counts>();

  constructor(audit: Pick<Auditor, "record">) {
    this.#audit = audit;
  }

  count(request: {
    readonly userId: string;
    readonly channelId: string;
    readonly operationId: string;
    readonly outcome: OptionsOutcome;
  }): void {
    const counts = this.#counts.get(request.userId) ?? { channelId: request.channelId, byRead: new Map() };
    counts.channelId = request.channelId;
    const tally = counts.byRead.get(request.operationId) ?? {
      answered: 0,
      refused: 0,
      limited: 0,
      failed: 0,
    };
    tally[request.outcome] += 1;
    counts.byRead.set(request.operationId, tally);
    this.#counts.set(request.userId, counts);
  }

  /** Writes what was counted since the last flush and starts again from zero. */
  async flush(): Promise<void> {
    const counted = this.#counts;
    this.#counts = new Map();
    for (const [userId, { channelId, byRead }] of counted)
      for (const [operationId, tally] of byRead) {
        const parts = (Object.entries(tally) as [OptionsOutcome, number][])
          .filter(([, n]) => n > 0)
          .map(([outcome, n]) => `${n} ${outcome}`);
        await this.#audit.record({
          // Not `refusal`: the metrics count those as refused commands, and these are keystrokes.
          kind: "command",
          correlationId: randomUUID(),
          operationId,
          userId,
          channelId,
          outcome: "options",
          detail: `dropdown options: ${parts.join(", ")}`,
        });
      }
  }
}
