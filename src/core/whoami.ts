import { describeIdentity } from "../api/identity.js";
import type { AccessControl } from "./policy/access.js";
import type { IdentityResolver } from "./policy/identity.js";
import { DEFAULT_POLICY_NOTE } from "./policy/policy.js";

export interface WhoamiDeps {
  readonly identities: Pick<IdentityResolver, "resolve">;
  readonly access: Pick<AccessControl, "roles" | "policy">;
  /** The permissions file's warnings, for an admin; none for anyone else. */
  readonly warnings: (userId: string, channelId: string) => Promise<readonly string[]>;
}

/** `/ops whoami`: the identity opsbot uses for you, your roles here, and where roles come from. */
export async function whoami(
  deps: WhoamiDeps,
  userId: string,
  channelId: string,
): Promise<{ identity: string; roles: string[]; policy: string; warnings: readonly string[] }> {
  const resolved = await deps.identities.resolve(userId);
  const identity = resolved.ok
    ? `${describeIdentity(resolved.identity)} (from ${resolved.source === "override" ? "an identity override" : "your Slack profile"})`
    : resolved.reason;
  const roles = [...(await deps.access.roles(userId, channelId))];
  const policy =
    deps.access.policy.source === "default"
      ? DEFAULT_POLICY_NOTE
      : "Roles come from opsbot's permissions file; some may apply only in certain channels.";
  return { identity, roles, policy, warnings: await deps.warnings(userId, channelId) };
}
