import type { RecordedCall } from "../../devkit/slack-standin/index.js";

/**
 * What the replicas put in Slack, read from the stand-in's record of successful chat.postMessage calls
 * and the metadata opsbot puts on each follow-up message (src/core/followups/engine.ts): the parent
 * names its follow-up, each state reply its follow-up and the state's sequence number, and the final
 * state is the reply broadcast to the channel.
 */
export interface SlackTally {
  /** Distinct follow-ups with a parent message. */
  readonly parents: number;
  /** Distinct follow-ups whose final state is in their thread. */
  readonly finalStates: number;
  /** Parent messages beyond the first for one follow-up. */
  readonly duplicateParents: number;
  /** Final states posted beyond the first for one follow-up. */
  readonly duplicateFinals: number;
  /** Any state reply (one follow-up, one sequence number) posted beyond the first. */
  readonly duplicateStates: number;
  /** Calls Slack answered with HTTP 429, any method. */
  readonly rejected: number;
  /** The same, by method ("chat.postMessage: 2, chat.update: 1"). */
  readonly rejectedBy: string;
}

const PARENT = "opsbot_followup_parent";
const TRANSITION = "opsbot_followup_transition";

interface Metadata {
  readonly event_type?: unknown;
  readonly event_payload?: { readonly followup?: unknown; readonly seq?: unknown };
}

function metadataOf(args: Readonly<Record<string, unknown>>): Metadata | undefined {
  const raw = args.metadata;
  if (typeof raw === "string") {
    try {
      return JSON.parse(raw) as Metadata;
    } catch {
      return undefined;
    }
  }
  return typeof raw === "object" && raw !== null ? (raw as Metadata) : undefined;
}

const isTrue = (value: unknown) => value === true || value === "true";

export function tallySlack(calls: readonly RecordedCall[]): SlackTally {
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  const parents = new Map<string, number>();
  const finals = new Map<string, number>();
  const states = new Map<string, number>();
  let rejected = 0;
  const rejectedBy = new Map<string, number>();
  for (const call of calls) {
    if (call.status === 429) {
      rejected += 1;
      bump(rejectedBy, call.method);
    }
    if (call.method !== "chat.postMessage" || call.status !== 200 || call.response.ok !== true) continue;
    const metadata = metadataOf(call.args);
    const followUp = metadata?.event_payload?.followup;
    if (followUp === undefined) continue;
    if (metadata?.event_type === PARENT) bump(parents, String(followUp));
    if (metadata?.event_type === TRANSITION) {
      bump(states, `${String(followUp)}:${String(metadata.event_payload?.seq)}`);
      if (isTrue(call.args.reply_broadcast)) bump(finals, String(followUp));
    }
  }
  const extra = (map: Map<string, number>) => [...map.values()].reduce((sum, n) => sum + n - 1, 0);
  return {
    parents: parents.size,
    finalStates: finals.size,
    duplicateParents: extra(parents),
    duplicateFinals: extra(finals),
    duplicateStates: extra(states),
    rejected,
    rejectedBy: [...rejectedBy].map(([method, n]) => `${method}: ${n}`).join(", "),
  };
}
