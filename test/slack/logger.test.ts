import { Writable } from "node:stream";
import { App, LogLevel } from "@slack/bolt";
import pino from "pino";
import { describe, expect, it } from "vitest";
import {
  boltLogLevelOf,
  createBoltLogger,
  redactSlackTokens,
  withoutSocketPayload,
} from "../../src/slack/logger.js";

/** A pino logger writing JSON lines into an array, synchronously. */
function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: pino({ level }, stream) };
}

describe("createBoltLogger", () => {
  it("keeps pino's debug level although Bolt resets custom loggers to info", () => {
    const { lines, logger } = capture("debug");
    const boltLogger = createBoltLogger(logger);
    const app = new App({
      token: "xoxb-test",
      signingSecret: "s",
      botId: "B1",
      botUserId: "U1",
      logger: boltLogger,
    });

    expect(boltLogger.getLevel()).toBe(LogLevel.DEBUG);
    app.logger.debug("still visible");
    expect(lines.map((l) => l.msg)).toContain("still visible");
  });

  it("follows Bolt's setLevel only when asked to", () => {
    const { lines, logger } = capture("debug");
    const following = createBoltLogger(logger, { followSetLevel: true });
    following.setLevel(LogLevel.WARN);
    following.info("dropped");
    following.warn("kept");
    expect(lines.map((l) => l.msg)).toEqual(["kept"]);
    expect(following.getLevel()).toBe(LogLevel.WARN);
  });

  it("puts an Error under err with its stack, and joins the other parts as the message", () => {
    const { lines, logger } = capture("info");
    createBoltLogger(logger).error("listener failed:", new Error("kaboom"), { op: "port:create" });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 50,
      msg: "listener failed: { op: 'port:create' }",
      err: { type: "Error", message: "kaboom", stack: expect.stringContaining("kaboom") },
    });
  });

  it("uses the error's message when Bolt logs only an Error", () => {
    const { lines, logger } = capture("info");
    createBoltLogger(logger).error(new Error("only this"));
    expect(lines[0]).toMatchObject({ msg: "only this", err: { message: "only this" } });
  });

  it("redacts Slack tokens that Bolt and web-api log in debug bodies", () => {
    const { lines, logger } = capture("debug");
    createBoltLogger(logger).debug(
      "http request body:",
      '{"token":"xoxb-1234-5678-abcdef","app":"xapp-1-A1-2-zz"}',
    );
    expect(lines[0]?.msg).toBe('http request body: {"token":"xoxb-[redacted]","app":"xapp-[redacted]"}');
    expect(redactSlackTokens("Bearer xoxp-1-2-3")).toBe("Bearer xoxp-[redacted]");
  });

  it("keeps only the envelope of a message the Socket Mode client received", () => {
    const { lines, logger } = capture("debug");
    const message = JSON.stringify({
      envelope_id: "env-1",
      type: "slash_commands",
      payload: {
        token: "verification-token",
        text: 'task deploy-config --configuration \'{"pw":"s3cr3t"}\'',
      },
    });
    createBoltLogger(logger).debug(`Received a message on the WebSocket: ${message}`);
    expect(lines[0]?.msg).toBe(
      "Received a message on the WebSocket (type slash_commands, envelope env-1; its payload is not logged)",
    );
    expect(
      withoutSocketPayload(
        "Unable to parse an incoming WebSocket message (will ignore): SyntaxError, {pw: s3cr3t",
      ),
    ).toBe("Unable to parse an incoming WebSocket message (unreadable; its payload is not logged)");
    expect(withoutSocketPayload("Sending a WebSocket message: {}")).toBe("Sending a WebSocket message: {}");
  });

  it("names the logger through a pino child, keeping its level", () => {
    const { lines, logger } = capture("warn");
    const boltLogger = createBoltLogger(logger);
    boltLogger.setName("web-api");
    boltLogger.info("below the level");
    boltLogger.warn("named");
    expect(lines).toEqual([expect.objectContaining({ name: "web-api", msg: "named" })]);
  });

  it.each([
    ["trace", LogLevel.DEBUG],
    ["debug", LogLevel.DEBUG],
    ["info", LogLevel.INFO],
    ["warn", LogLevel.WARN],
    ["error", LogLevel.ERROR],
    ["fatal", LogLevel.ERROR],
    ["silent", LogLevel.ERROR],
  ])("maps pino %s to Bolt %s", (level, expected) => {
    expect(boltLogLevelOf(pino({ level }))).toBe(expected);
  });
});
