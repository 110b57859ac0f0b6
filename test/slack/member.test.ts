import { describe, expect, it } from "vitest";
import { lookUpMember, memberFromUsersInfo } from "../../src/slack/member.js";

// User objects shaped as users.info returns them (api.slack.com/types/user).
const alice = {
  id: "U0ALICE",
  team_id: "T0OURS",
  deleted: false,
  is_bot: false,
  is_app_user: false,
  is_restricted: false,
  is_ultra_restricted: false,
  is_email_confirmed: true,
  profile: { email: "alice@example.com", display_name: "alice" },
};

describe("memberFromUsersInfo", () => {
  it("reads a full member", () => {
    expect(memberFromUsersInfo(alice)).toEqual({
      userId: "U0ALICE",
      teamId: "T0OURS",
      enterpriseId: undefined,
      deleted: false,
      bot: false,
      guest: undefined,
      stranger: false,
      email: "alice@example.com",
      emailConfirmed: true,
    });
  });

  it("reads guests, strangers, Grid members, and a missing confirmation as unconfirmed", () => {
    expect(memberFromUsersInfo({ ...alice, is_restricted: true }).guest).toBe("multi-channel");
    expect(memberFromUsersInfo({ ...alice, is_restricted: true, is_ultra_restricted: true }).guest).toBe(
      "single-channel",
    );
    expect(memberFromUsersInfo({ ...alice, is_stranger: true }).stranger).toBe(true);
    expect(memberFromUsersInfo({ ...alice, enterprise_user: { enterprise_id: "E0ORG" } }).enterpriseId).toBe(
      "E0ORG",
    );
    const { is_email_confirmed: _confirmed, ...unsaid } = alice;
    expect(memberFromUsersInfo(unsaid).emailConfirmed).toBe(false);
    expect(memberFromUsersInfo({ ...alice, profile: { email: "" } }).email).toBeUndefined();
  });

  it("refuses what is not a user object", () => {
    expect(() => memberFromUsersInfo({ name: "no id" })).toThrow();
    expect(() => memberFromUsersInfo({ ...alice, is_restricted: "yes" })).toThrow();
  });
});

describe("lookUpMember", () => {
  it("is undefined for user_not_found, and throws on any other failure", async () => {
    const failing = (error: string) => async () =>
      Promise.reject(Object.assign(new Error(error), { data: { error } }));
    expect(await lookUpMember(failing("user_not_found"), "U0X")).toBeUndefined();
    await expect(lookUpMember(failing("ratelimited"), "U0X")).rejects.toThrow();
    expect((await lookUpMember(async () => ({ user: alice }), "U0ALICE"))?.teamId).toBe("T0OURS");
  });
});
