import type { Sent } from "./faults.js";
import { postMessage, SlackApiFailure } from "./methods/index.js";
import type { Workspace } from "./state.js";
import type { RecordedResponse } from "./types.js";

export const RESPONSE_PREFIX = "/response/";

/**
 * A POST to a response_url the stand-in issued (Bolt's `respond()` sends JSON). It is recorded; an
 * `in_channel` reply also lands in the channel's messages and an ephemeral one among the ephemerals,
 * so a console shows them where Slack would.
 */
export function handleResponseUrl(ws: Workspace, id: string, raw: Buffer): Sent {
  const target = ws.useResponseUrl(id);
  if (!target) return { status: 404, body: { ok: false, error: "expired_url" } };
  const payload = parseObject(raw);
  if (!payload) return { status: 400, body: { ok: false, error: "invalid_payload" } };
  const { channel, user } = target;
  const response: RecordedResponse = {
    id,
    url: `${ws.origin}${RESPONSE_PREFIX}${id}`,
    body: payload,
    at: ws.now(),
    ...(channel === undefined ? {} : { channel }),
    ...(user === undefined ? {} : { user }),
  };
  ws.addResponse(response);
  const content = {
    ...(typeof payload.text === "string" ? { text: payload.text } : {}),
    ...(Array.isArray(payload.blocks) ? { blocks: payload.blocks } : {}),
  };
  if (channel === undefined || payload.delete_original === true) return { status: 200, body: { ok: true } };
  if (payload.response_type === "in_channel") {
    try {
      postMessage(ws, channel, content);
    } catch (err) {
      if (err instanceof SlackApiFailure) return { status: 400, body: { ok: false, error: err.error } };
      throw err;
    }
  } else if (user !== undefined) {
    ws.addEphemeral({ channel, user, messageTs: ws.nextTs(), ...content });
  }
  return { status: 200, body: { ok: true } };
}

function parseObject(raw: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw.toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? { ...value } : undefined;
  } catch {
    return undefined;
  }
}
