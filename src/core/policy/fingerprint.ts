import { createHash } from "node:crypto";

/**
 * What an approval is bound to: one exact call. Any change to the operation, its parsed arguments, its
 * target or the identity it runs as gives another fingerprint, so an approved request cannot be swapped
 * for a different call between the request and its execution.
 */
export interface FingerprintFacts {
  readonly operationId: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly target: Readonly<Record<string, string | undefined>>;
  readonly identity: string | undefined;
  readonly requesterId: string;
  readonly force: boolean;
}

export function fingerprintOf(facts: FingerprintFacts): string {
  return createHash("sha256").update(canonicalJson(facts)).digest("hex");
}

/** JSON with object keys sorted and undefined members left out, so equal values hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) sorted[key] = sortKeys(member);
    }
    return sorted;
  }
  return value;
}
