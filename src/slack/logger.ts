import { inspect } from "node:util";
import { type Logger as BoltLogger, LogLevel } from "@slack/bolt";
import type { Logger as PinoLogger } from "pino";

/**
 * Bolt's `Logger` over pino, so Bolt, its WebClients and opsbot write one JSON log.
 *
 * Bolt calls `setLevel("info")` on a custom logger whenever no `logLevel` was passed to the App and
 * `getLevel()` says otherwise, which would silently drop a debug configuration. So by default pino's
 * own level is the only authority and `setLevel` is ignored; pass `logLevel: boltLogLevelOf(pino)` to
 * the App as well so it has nothing to correct.
 */

export interface BoltLoggerOptions {
  /** Let Bolt change the level after all (e.g. when the App's `logLevel` is meant to rule). */
  readonly followSetLevel?: boolean;
}

type Level = "debug" | "info" | "warn" | "error";

/** Bot, user and app-level tokens. Bolt logs whole request bodies at debug level, tokens included. */
const TOKEN_PATTERN = /\b(xox[abposre]|xapp)-[A-Za-z0-9-]+/g;

export function redactSlackTokens(text: string): string {
  return text.replace(TOKEN_PATTERN, "$1-[redacted]");
}

/**
 * The Socket Mode client logs every message it receives whole, at debug: command text, form values
 * (sensitive arguments among them) and Slack's verification token. Only the envelope is kept.
 */
const SOCKET_MESSAGE = /^(Received a message on the WebSocket|Unable to parse an incoming WebSocket message)/;

export function withoutSocketPayload(text: string): string {
  const [, said] = SOCKET_MESSAGE.exec(text) ?? [];
  if (!said) return text;
  const envelope = envelopeOf(text.slice(text.indexOf(":") + 1));
  return `${said} (${envelope ?? "unreadable"}; its payload is not logged)`;
}

function envelopeOf(json: string): string | undefined {
  try {
    const message: unknown = JSON.parse(json);
    if (typeof message !== "object" || message === null) return undefined;
    const { type, envelope_id: id } = message as { type?: unknown; envelope_id?: unknown };
    const word = (value: unknown) =>
      typeof value === "string" ? value.replace(/[^\w.-]/g, "").slice(0, 64) : "?";
    return `type ${word(type)}, envelope ${word(id)}`;
  } catch {
    return undefined;
  }
}

export function boltLogLevelOf(logger: PinoLogger): LogLevel {
  switch (logger.level) {
    case "trace":
    case "debug":
      return LogLevel.DEBUG;
    case "info":
      return LogLevel.INFO;
    case "warn":
      return LogLevel.WARN;
    default:
      // error, fatal and silent: Bolt has nothing quieter than ERROR.
      return LogLevel.ERROR;
  }
}

export function createBoltLogger(base: PinoLogger, options: BoltLoggerOptions = {}): BoltLogger {
  let log = base;

  const emit =
    (level: Level) =>
    (...parts: unknown[]): void => {
      if (!log.isLevelEnabled(level)) return;
      // Bolt passes Error objects as they are; pino serializes them properly only under `err`.
      const err = parts.find((p): p is Error => p instanceof Error);
      const text = redactSlackTokens(
        withoutSocketPayload(
          parts
            .filter((p) => p !== err)
            .map(describe)
            .join(" "),
        ),
      );
      if (err) log[level]({ err }, text || redactSlackTokens(err.message));
      else log[level](text);
    };

  return {
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
    setLevel: (level) => {
      if (options.followSetLevel) log.level = level;
    },
    getLevel: () => boltLogLevelOf(log),
    setName: (name) => {
      const level = log.level;
      log = base.child({ name });
      log.level = level;
    },
  };
}

function describe(part: unknown): string {
  return typeof part === "string" ? part : inspect(part, { depth: 4, breakLength: Number.POSITIVE_INFINITY });
}
