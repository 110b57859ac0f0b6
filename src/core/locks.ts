import { escapeMrkdwn, inlineCode, slackDate, userMention } from "../blocks/text.js";
import type { Target } from "../catalogue/define.js";
import type { Lock, LockStore } from "../store/types.js";

/** The freeze on a namespace or allocation the operation changes, if there is one. */
export async function activeLock(
  locks: Pick<LockStore, "active">,
  target: Target,
  now: number,
): Promise<Lock | undefined> {
  if (target.namespace) {
    const lock = await locks.active({ kind: "namespace", name: target.namespace }, now);
    if (lock) return lock;
  }
  if (target.allocation) return locks.active({ kind: "allocation", name: target.allocation }, now);
  return undefined;
}

export function describeLock(lock: Lock | undefined): string {
  if (!lock) return "";
  const until = lock.until ? ` until ${slackDate(lock.until)}` : "";
  return `${lock.target.kind} ${inlineCode(lock.target.name)} is locked${until} by ${userMention(lock.lockedBy)}: ${escapeMrkdwn(lock.reason)}.`;
}

export function describeTarget(target: Target): string | undefined {
  if (target.namespace) return `namespace ${inlineCode(target.namespace)}`;
  if (target.allocation) return `allocation ${inlineCode(target.allocation)}`;
  return undefined;
}
