import { z } from "zod";

/** Where a Slack request comes from, read from any payload kind (command, interaction, event). */
export interface RequestOrigin {
  /** The workspace the request was made in (`team_id`, `team.id`). */
  readonly teamId?: string;
  /** `enterprise_id`, `enterprise.id` or `team.enterprise_id` on Enterprise Grid. */
  readonly enterpriseId?: string;
  /** `user.team_id` of an interaction: the person's home workspace (another one over Slack Connect). */
  readonly userTeamId?: string;
  readonly userId?: string;
  readonly channelId?: string;
}

const id = z.string().min(1);
const payload = z.looseObject({
  team_id: id.nullish(),
  enterprise_id: id.nullish(),
  user_id: id.optional(),
  channel_id: id.optional(),
  team: z.looseObject({ id: id.nullish(), enterprise_id: id.nullish() }).nullish(),
  enterprise: z.looseObject({ id: id.nullish() }).nullish(),
  user: z.union([id, z.looseObject({ id: id.optional(), team_id: id.nullish() })]).optional(),
  channel: z.looseObject({ id: id.optional() }).nullish(),
  event: z.looseObject({ user: z.unknown().optional(), channel: z.unknown().optional() }).optional(),
});

/** Reads a request's origin; fields a payload does not carry are left out (never guessed). */
export function originOf(body: unknown): RequestOrigin {
  const parsed = payload.safeParse(body);
  if (!parsed.success) return {};
  const p = parsed.data;
  const user = typeof p.user === "object" ? p.user : undefined;
  const eventUser = typeof p.event?.user === "string" ? p.event.user : undefined;
  const eventChannel = typeof p.event?.channel === "string" ? p.event.channel : undefined;
  const teamId = p.team_id ?? p.team?.id ?? undefined;
  const enterpriseId = p.enterprise_id ?? p.enterprise?.id ?? p.team?.enterprise_id ?? undefined;
  const userId = p.user_id ?? user?.id ?? eventUser;
  const channelId = p.channel_id ?? p.channel?.id ?? eventChannel;
  return {
    ...(teamId ? { teamId } : {}),
    ...(enterpriseId ? { enterpriseId } : {}),
    ...(user?.team_id ? { userTeamId: user.team_id } : {}),
    ...(userId ? { userId } : {}),
    ...(channelId ? { channelId } : {}),
  };
}
