import pino, { type DestinationStream, type Logger } from "pino";

/**
 * Keys whose values are never written to a log line, wherever they appear (headers, config, payloads).
 * pino's redaction takes explicit paths, so the common nesting depths are listed.
 */
const SECRET_KEYS = [
  "authorization",
  "Authorization",
  "cookie",
  "Cookie",
  "set-cookie",
  "identity",
  "Identity",
  "token",
  "accessToken",
  "access_token",
  "refreshToken",
  "refresh_token",
  "clientSecret",
  "client_secret",
  "signingSecret",
  "botToken",
  "appToken",
  "x-project-token",
  "X-Project-Token",
];

export const REDACT_PATHS: string[] = SECRET_KEYS.flatMap((key) => {
  const segment = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
  const dot = segment.startsWith("[") ? segment : `.${segment}`;
  return [segment.startsWith("[") ? segment : key, `*${dot}`, `*.*${dot}`, `*.*.*${dot}`];
});

export interface LoggerOptions {
  readonly level?: string;
  /** Where lines go (tests pass a capture stream). Default: stdout. */
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { app: "opsbot" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      serializers: { err: pino.stdSerializers.err },
    },
    options.destination,
  );
}
