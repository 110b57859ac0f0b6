/**
 * Why opsbot cannot start, as one line an operator can act on: what failed, why, and what to do.
 * `opsbot cannot start: <what>: <why>. <what to do>`. No stack: the cause is known and named.
 */
export class StartupFailure extends Error {
  override readonly name = "StartupFailure";
  constructor(
    readonly what: string,
    readonly why: string,
    readonly todo: string,
  ) {
    super(oneLine(`opsbot cannot start: ${what}: ${why}. ${todo}`));
  }
}

/** Text from elsewhere (an error message, a path) may hold line breaks; a failure stays on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ");
}

/** The errno-style code of a Node or library error (ENOTFOUND, EADDRINUSE, 28P01…), looking through causes. */
export function errorCodeOf(error: unknown, depth = 0): string | undefined {
  if (typeof error !== "object" || error === null || depth > 5) return undefined;
  const { code, cause, original } = error as { code?: unknown; cause?: unknown; original?: unknown };
  // Slack's client wraps the network error (its own code is slack_webapi_request_error).
  if (typeof code === "string" && !code.startsWith("slack_")) return code;
  return errorCodeOf(original, depth + 1) ?? errorCodeOf(cause, depth + 1);
}
