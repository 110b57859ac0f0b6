import { createHash } from "node:crypto";
import type { Identity } from "../../api/identity.js";
import type { Target } from "../../catalogue/define.js";

/** The facts an approval is bound to; the identity enters as a digest, never as a token. */
export function callFacts(
  operationId: string,
  args: Record<string, unknown>,
  target: Target,
  identity: Identity | undefined,
  requesterId: string,
  force: boolean,
) {
  const key = identity
    ? identity.kind === "header"
      ? `header:${identity.email}`
      : `cookie:${createHash("sha256").update(identity.jwt).digest("hex")}`
    : undefined;
  return { operationId, args, target: { ...target }, identity: key, requesterId, force };
}
