import { z } from "zod";
import type { Member } from "../core/policy/member.js";

/**
 * users.info's user object, read strictly for what opsbot decides on. A flag Slack leaves out counts as
 * false, except that an email counts as confirmed only when Slack says `is_email_confirmed: true`.
 */
const userSchema = z.object({
  id: z.string(),
  team_id: z.string().optional(),
  deleted: z.boolean().optional(),
  is_bot: z.boolean().optional(),
  is_restricted: z.boolean().optional(),
  is_ultra_restricted: z.boolean().optional(),
  is_stranger: z.boolean().optional(),
  is_email_confirmed: z.boolean().optional(),
  enterprise_user: z.object({ enterprise_id: z.string().optional() }).optional(),
  profile: z.object({ email: z.string().optional() }).optional(),
});

/** The member users.info describes; throws when the answer is not a user object (never trusted as one). */
export function memberFromUsersInfo(user: unknown): Member {
  const u = userSchema.parse(user);
  return {
    userId: u.id,
    teamId: u.team_id,
    enterpriseId: u.enterprise_user?.enterprise_id,
    deleted: u.deleted === true,
    bot: u.is_bot === true,
    guest: u.is_ultra_restricted ? "single-channel" : u.is_restricted ? "multi-channel" : undefined,
    stranger: u.is_stranger === true,
    email: u.profile?.email || undefined,
    emailConfirmed: u.is_email_confirmed === true,
  };
}

/** users.info as the core's directory asks it: an unknown user is undefined, any other failure throws. */
export async function lookUpMember(
  usersInfo: (args: { user: string }) => Promise<{ user?: unknown }>,
  userId: string,
): Promise<Member | undefined> {
  try {
    const { user } = await usersInfo({ user: userId });
    return user === undefined ? undefined : memberFromUsersInfo(user);
  } catch (error) {
    if ((error as { data?: { error?: unknown } }).data?.error === "user_not_found") return undefined;
    throw error;
  }
}
