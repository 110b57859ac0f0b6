import { describe, expect, it } from "vitest";
import { createSlackFixtures } from "../../../devkit/testing/index.js";
import { originOf } from "../../../src/slack/middleware/origin.js";

const fx = createSlackFixtures();

describe("originOf", () => {
  it("reads a slash command's team, enterprise, user and channel", () => {
    expect(originOf({ ...fx.command(), enterprise_id: "E0ORG" })).toEqual({
      teamId: "T0STANDIN",
      enterpriseId: "E0ORG",
      userId: "U0ALICE",
      channelId: "C0OPS0001",
    });
  });

  it("reads an interaction's team and the clicker's own team", () => {
    const click = fx.blockActions(fx.button("x"));
    expect(originOf({ ...click, user: { ...click.user, team_id: "T0OTHER" } })).toEqual({
      teamId: "T0STANDIN",
      userTeamId: "T0OTHER",
      userId: "U0ALICE",
      channelId: "C0OPS0001",
    });
  });

  it("reads an org-wide install's enterprise when the team is null, and an event's envelope", () => {
    const suggestion = fx.blockSuggestion("source:namespaces", "");
    expect(originOf({ ...suggestion, team: null, enterprise: { id: "E0ORG" } })).toMatchObject({
      enterpriseId: "E0ORG",
    });
    expect(
      originOf({
        type: "event_callback",
        team_id: "T0STANDIN",
        event: { type: "app_home_opened", user: "U0A" },
      }),
    ).toEqual({ teamId: "T0STANDIN", userId: "U0A" });
  });
});
