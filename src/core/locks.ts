import { escapeMrkdwn } from "../blocks/text.js";
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
  const until = lock.until
    ? ` until <!date^${Math.floor(lock.until / 1000)}^{date_short_pretty} {time}|${new Date(lock.until).toISOString()}>`
    : "";
  return `${lock.target.kind} \`${lock.target.name}\` is locked${until} by <@${lock.lockedBy}>: ${escapeMrkdwn(lock.reason)}.`;
}

export function describeTarget(target: Target): string | undefined {
  if (target.namespace) return `namespace \`${target.namespace}\``;
  if (target.allocation) return `allocation \`${target.allocation}\``;
  return undefined;
}
