/**
 * The one set of marks for how something ended, shared by every message: ✅ done, ❌ failed, ⚠️ outcome
 * unknown, ⏹️ stopped on purpose (a killed run did what was asked of it: it did not fail). Reads carry
 * no mark: they end as they began.
 */

export const MARK = {
  succeeded: "✅",
  failed: "❌",
  unknown: "⚠️",
  stopped: "⏹️",
  active: "⏳",
} as const;

/** How a followed operation or a request ended: its mark and the word for it. */
export interface Ending {
  readonly mark: string;
  readonly word: string;
}

const STOPPED_STATES = /^(killed|cancelled|canceled|aborted|stopped|terminated)$/i;

/**
 * The ending of a follow-up from its status and the backend's last state word. The catalogue counts a
 * killed run as not succeeded (`failed`); it is shown as stopped, under the backend's own word.
 */
export function endingOf(status: string, state?: string): Ending {
  if (status === "cancelled") return { mark: MARK.stopped, word: "cancelled" };
  if (status === "failed" && state && STOPPED_STATES.test(state))
    return { mark: MARK.stopped, word: state.toLowerCase() };
  if (status === "unknown") return { mark: MARK.unknown, word: "outcome unknown" };
  if (status === "succeeded") return { mark: MARK.succeeded, word: "succeeded" };
  if (status === "failed") return { mark: MARK.failed, word: "failed" };
  return { mark: MARK.active, word: status };
}

/** The state word in brackets after the ending, unless it only says the same (`succeeded (succeeded)`). */
export function saysMore(ending: Ending, state: string | undefined): state is string {
  return state !== undefined && state !== "" && state.toLowerCase() !== ending.word;
}
