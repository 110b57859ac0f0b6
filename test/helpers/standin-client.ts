import { webApi } from "@slack/bolt";
import { afterEach } from "vitest";
import {
  type SlackStandIn,
  type StandInOptions,
  startSlackStandIn,
} from "../../devkit/slack-standin/index.js";

/** A logger that drops everything: web-api's warnings are expected noise in these tests. */
const quiet: webApi.Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => webApi.LogLevel.ERROR,
  setName: () => {},
};

/**
 * A real WebClient against the stand-in, failing fast as tests need (no retries, short timeout).
 * `token: null` sends no Authorization header at all.
 */
export function clientFor(
  standIn: SlackStandIn,
  options: webApi.WebClientOptions = {},
  token: string | null = standIn.token,
): webApi.WebClient {
  return new webApi.WebClient(token ?? undefined, {
    slackApiUrl: standIn.url,
    retryConfig: { retries: 0 },
    timeout: 2000,
    logger: quiet,
    ...options,
  });
}

/** The Slack error code a call failed with; fails the test if it succeeded or failed otherwise. */
export async function slackError(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    if (err instanceof webApi.WebAPIPlatformError) return err.data.error;
    throw err;
  }
  throw new Error("expected the call to fail with ok:false");
}

/** Returns a `start(options)` whose stand-ins are closed after each test of the calling file. */
export function standInPerTest(): (options?: StandInOptions) => Promise<SlackStandIn> {
  const open: SlackStandIn[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return async (options) => {
    const standIn = await startSlackStandIn(options);
    open.push(standIn);
    return standIn;
  };
}
