/**
 * Who a Slack user is to opsbot: what Slack's users.info says about the account, and the standing opsbot
 * gives it. Only a full member of the organisation opsbot serves gets grants through `everyone` or a
 * user group, and only such a member's confirmed email is an identity.
 */

/** What users.info says about a user, as the Slack adapter reads it. */
export interface Member {
  readonly userId: string;
  /** `team_id`: the user's home workspace (another one for people from a Slack Connect organisation). */
  readonly teamId: string | undefined;
  /** `enterprise_user.enterprise_id`, on Enterprise Grid. */
  readonly enterpriseId: string | undefined;
  readonly deleted: boolean;
  /** `is_bot`: a bot user (an app's, or a legacy bot). */
  readonly bot: boolean;
  /** `is_restricted` alone: multi-channel guest; with `is_ultra_restricted`: single-channel guest. */
  readonly guest: "single-channel" | "multi-channel" | undefined;
  /** `is_stranger`: from another workspace, not in a channel opsbot shares with it. */
  readonly stranger: boolean;
  readonly email: string | undefined;
  /** `is_email_confirmed`: absent counts as not confirmed. */
  readonly emailConfirmed: boolean;
}

/** The workspaces and Enterprise Grid organisation opsbot serves (OPSBOT_ALLOWED_*, or its own token's). */
export interface Serving {
  readonly teams: ReadonlySet<string>;
  readonly enterprise?: string | undefined;
}

/** Whether a team (and the enterprise a request names) is one opsbot serves. */
export function serves(serving: Serving, teamId: string | undefined, enterpriseId?: string): boolean {
  if (serving.enterprise !== undefined && enterpriseId === serving.enterprise) return true;
  return teamId !== undefined && serving.teams.has(teamId);
}

export type Standing =
  | "member"
  | "single-channel guest"
  | "multi-channel guest"
  | "external"
  | "deactivated"
  | "bot"
  /** Slack did not say (the lookup failed): nothing is granted but by user ID, and the person may retry. */
  | "unknown";

/** The standing of an account; the strongest exclusion wins (a deactivated guest is deactivated). */
export function standingOf(member: Member | undefined, serving: Serving): Standing {
  if (!member) return "unknown";
  if (member.deleted) return "deactivated";
  if (member.bot) return "bot";
  if (member.stranger || !serves(serving, member.teamId, member.enterpriseId)) return "external";
  if (member.guest === "single-channel") return "single-channel guest";
  if (member.guest === "multi-channel") return "multi-channel guest";
  return "member";
}

/** Why someone who is not a full member holds no role, said to them (user-safe, names no one else). */
export function standingNote(standing: Exclude<Standing, "member">): string {
  if (standing === "unknown")
    return "opsbot could not read your Slack account just now, so only what its permissions file gives you by user ID applies; try again in a moment.";
  const who: Record<Exclude<Standing, "member" | "unknown">, string> = {
    "single-channel guest": "You are a single-channel guest in this workspace",
    "multi-channel guest": "You are a guest in this workspace",
    external: "Your account belongs to another Slack organisation than the one opsbot serves",
    deactivated: "Your Slack account is deactivated",
    bot: "This is a bot account",
  };
  return `${who[standing]}: opsbot gives guests, people from other organisations, deactivated accounts and bots no role unless its permissions file names them by user ID.`;
}

export type EmailAnswer =
  | { readonly ok: true; readonly email: string }
  | { readonly ok: false; readonly reason: string };

/**
 * The email that may stand for this person at the Deploy API: only one Slack says is confirmed, of a full
 * member. Anything else would let a guest or an outsider with a look-alike address act as someone else.
 */
export function identityEmail(member: Member | undefined, standing: Standing): EmailAnswer | undefined {
  if (standing !== "member")
    return {
      ok: false,
      reason: `opsbot cannot use your Slack email as your Deploy API identity. ${standingNote(standing)}`,
    };
  if (!member?.email) return undefined;
  if (!member.emailConfirmed)
    return {
      ok: false,
      reason:
        "opsbot cannot use your Slack email as your Deploy API identity: Slack says it is not confirmed. Confirm it in Slack, or ask an opsbot admin for an identity override.",
    };
  return { ok: true, email: member.email };
}
