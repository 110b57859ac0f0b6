import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { SlackTokenCheck } from "../../../src/app/lifecycle/slack-token.js";
import { clientFor, standInPerTest } from "../../helpers/standin-client.js";
import { until } from "../../restart/bot-process.js";

const startStandIn = standInPerTest();

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString("utf8"));
      done();
    },
  });
  return { logger: pino({ level: "info" }, destination), text: () => lines.join("") };
}

describe("SlackTokenCheck (auth.test at start-up, against the Slack stand-in)", () => {
  it("is accepted when Slack accepts the token", async () => {
    const standIn = await startStandIn();
    const check = new SlackTokenCheck({
      authTest: () => clientFor(standIn).auth.test(),
      logger: pino({ level: "silent" }),
    });
    expect(check.accepted).toBe(false);
    await check.start();
    expect(check.accepted).toBe(true);
  });

  it("stays refused when Slack refuses the token, and says so without the token", async () => {
    const standIn = await startStandIn();
    const log = capture();
    const token = "xoxb-revoked-0123456789";
    const check = new SlackTokenCheck({
      authTest: () => clientFor(standIn, {}, token).auth.test(),
      logger: log.logger,
      retryMs: 10,
    });
    await check.start();
    expect(check.accepted).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Refused is final: no second auth.test.
    expect(standIn.callsTo("auth.test").map((c) => c.response.error)).toEqual(["invalid_auth"]);
    expect(log.text()).toContain("Slack refused the bot token (auth.test: invalid_auth)");
    expect(log.text()).not.toContain(token);
  });

  it("asks again while Slack cannot be reached, until it answers", async () => {
    const standIn = await startStandIn();
    standIn.inject("auth.test", { kind: "http_error", status: 503 }, 2);
    const check = new SlackTokenCheck({
      authTest: () => clientFor(standIn).auth.test(),
      logger: pino({ level: "silent" }),
      retryMs: 10,
    });
    await check.start();
    expect(check.accepted).toBe(false);
    await until(() => (check.accepted ? true : undefined), "the token accepted", 2000);
    expect(standIn.callsTo("auth.test").map((c) => c.status)).toEqual([503, 503, 200]);
    check.stop();
  });
});
