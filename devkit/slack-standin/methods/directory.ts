import { z } from "zod";
import type { Workspace } from "../state.js";
import type { StandInChannel, StandInUser } from "../types.js";
import { type ApiBody, type MethodHandler, parseWith, SlackApiFailure } from "./common.js";

/** Read-only methods answered from the configured directory of users, groups and channels. */

function userJson(ws: Workspace, u: StandInUser): ApiBody {
  const realName = u.realName ?? u.name;
  const teamId = u.teamId ?? ws.identity.teamId;
  return {
    id: u.id,
    team_id: teamId,
    name: u.name,
    real_name: realName,
    deleted: u.deleted ?? false,
    is_bot: u.isBot ?? false,
    is_app_user: false,
    // Slack marks every guest restricted, and single-channel guests ultra-restricted as well.
    is_restricted: u.guest !== undefined,
    is_ultra_restricted: u.guest === "single-channel",
    // Slack leaves is_stranger out unless it is true.
    ...(u.isStranger ? { is_stranger: true } : {}),
    is_email_confirmed: u.email !== undefined && (u.emailConfirmed ?? true),
    ...(u.enterpriseId === undefined
      ? {}
      : {
          enterprise_user: {
            id: u.id,
            enterprise_id: u.enterpriseId,
            enterprise_name: u.enterpriseId,
            is_admin: false,
            is_owner: false,
            is_primary_owner: false,
            teams: [teamId],
          },
        }),
    tz: u.tz ?? "Etc/UTC",
    profile: {
      real_name: realName,
      real_name_normalized: realName,
      display_name: u.name,
      ...(u.email === undefined ? {} : { email: u.email }),
    },
  };
}

function channelJson(c: StandInChannel): ApiBody {
  const isIm = c.id.startsWith("D");
  return {
    id: c.id,
    name: c.name,
    is_channel: !isIm && !c.isPrivate,
    is_group: !isIm && (c.isPrivate ?? false),
    is_im: isIm,
    is_private: c.isPrivate ?? isIm,
    is_archived: c.isArchived ?? false,
    is_member: c.isMember ?? true,
  };
}

const codes = { user: "user_not_found", email: "users_not_found", usergroup: "no_such_subteam" };

export const directoryMethods: Readonly<Record<string, MethodHandler>> = {
  "auth.test": (_args, ws) => ({
    ok: true,
    url: `https://${ws.identity.teamDomain}.slack.com/`,
    team: ws.identity.teamName,
    user: ws.identity.botName,
    team_id: ws.identity.teamId,
    user_id: ws.identity.botUserId,
    bot_id: ws.identity.botId,
    is_enterprise_install: false,
  }),

  "users.info": (args, ws) => {
    const a = parseWith(z.object({ user: z.string().min(1) }), args, codes);
    const user = ws.users.get(a.user);
    if (!user) throw new SlackApiFailure("user_not_found");
    return { ok: true, user: userJson(ws, user) };
  },

  "users.lookupByEmail": (args, ws) => {
    const a = parseWith(z.object({ email: z.string().min(1) }), args, codes);
    const wanted = a.email.toLowerCase();
    const user = [...ws.users.values()].find((u) => u.email?.toLowerCase() === wanted);
    if (!user) throw new SlackApiFailure("users_not_found");
    return { ok: true, user: userJson(ws, user) };
  },

  "usergroups.users.list": (args, ws) => {
    const a = parseWith(z.object({ usergroup: z.string().min(1) }), args, codes);
    const group = ws.groups.get(a.usergroup);
    if (!group) throw new SlackApiFailure("no_such_subteam");
    return { ok: true, users: [...group.users] };
  },

  "conversations.info": (args, ws) => {
    const a = parseWith(z.object({ channel: z.string().min(1) }), args, { channel: "channel_not_found" });
    const channel = ws.channels.get(a.channel);
    if (!channel) throw new SlackApiFailure("channel_not_found");
    return { ok: true, channel: channelJson(channel) };
  },
};
