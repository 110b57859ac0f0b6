import type { OutboxWrite } from "./types.js";

/**
 * What each kind of write does after an attempt whose outcome is unknown (a timeout, a 5xx, an answer
 * cut or unreadable): Slack may have carried it out. Every kind alike waits out a 429 for its
 * Retry-After, backs off and retries a failure that certainly did not reach Slack (connection refused,
 * no such host, `service_unavailable`), and rejects a permanent error at once.
 *
 * - `retry`: doing it twice does no harm (an edit leaves the message as one edit would).
 * - `look`: a post carrying metadata is looked for in the channel (`findPosted`) and sent again only if
 *   it is not there; a post without metadata cannot be found, so it is rejected instead.
 * - `reject`: nothing to look in (an ephemeral reply, a response URL post, a shared file), and sending
 *   again could show it twice.
 */
export type OnUnknown = "retry" | "look" | "reject";

export const ON_UNKNOWN: Readonly<Record<OutboxWrite, OnUnknown>> = {
  "chat.postMessage": "look",
  "chat.update": "retry",
  "chat.postEphemeral": "reject",
  response_url: "reject",
  "files.uploadV2": "reject",
};
