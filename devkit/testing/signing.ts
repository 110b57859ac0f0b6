import { createHmac } from "node:crypto";

/** Slack refuses requests whose timestamp is more than five minutes old (replay protection). */
export const SIGNATURE_MAX_AGE_SECONDS = 5 * 60;

/** Slack's v0 request signature: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>`. */
export function slackSignature(signingSecret: string, timestamp: number, rawBody: string): string {
  const digest = createHmac("sha256", signingSecret).update(`v0:${timestamp}:${rawBody}`).digest("hex");
  return `v0=${digest}`;
}

export function unixSeconds(nowMs: number = Date.now()): number {
  return Math.floor(nowMs / 1000);
}

/** A timestamp just past the replay window, for testing that stale requests are refused. */
export function staleTimestamp(nowMs: number = Date.now()): number {
  return unixSeconds(nowMs) - SIGNATURE_MAX_AGE_SECONDS - 60;
}

export interface SignedHeaders {
  readonly "x-slack-signature": string;
  readonly "x-slack-request-timestamp": string;
}

export function signedHeaders(
  signingSecret: string,
  rawBody: string,
  timestamp = unixSeconds(),
): SignedHeaders {
  return {
    "x-slack-signature": slackSignature(signingSecret, timestamp, rawBody),
    "x-slack-request-timestamp": String(timestamp),
  };
}
