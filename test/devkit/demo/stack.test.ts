import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEMO_CONFIG_FILE, demoConfigEnv } from "../../../devkit/demo/stack.js";

describe("demoConfigEnv", () => {
  it("passes the user's OPSBOT_* settings through, logs at warn by default, and keeps its own wiring", () => {
    const env = demoConfigEnv(
      {
        OPSBOT_CONFIG: "/tmp/perms.yml",
        OPSBOT_IDENTITY_OVERRIDES: "{}",
        SLACK_BOT_TOKEN: "xoxb-real",
        HOME: "/root",
      },
      { SLACK_BOT_TOKEN: "xoxb-standin-token" },
    );
    expect(env).toEqual({
      OPSBOT_CONFIG: "/tmp/perms.yml",
      OPSBOT_IDENTITY_OVERRIDES: "{}",
      OPSBOT_DB: ":memory:",
      LOG_LEVEL: "warn",
      SLACK_BOT_TOKEN: "xoxb-standin-token",
    });
    expect(demoConfigEnv({ LOG_LEVEL: "debug" }, {}).LOG_LEVEL).toBe("debug");
    expect(demoConfigEnv({ OPSBOT_DB: "/tmp/demo.db" }, {}).OPSBOT_DB).toBe("/tmp/demo.db");
  });

  it("uses devkit/demo/opsbot.demo.yml when OPSBOT_CONFIG is not set", () => {
    expect(existsSync(DEMO_CONFIG_FILE)).toBe(true);
    expect(demoConfigEnv({}, {}).OPSBOT_CONFIG).toBe(DEMO_CONFIG_FILE);
    expect(DEMO_CONFIG_FILE).toMatch(/devkit\/demo\/opsbot\.demo\.yml$/);
  });
});
