import type {
  BlockAction,
  BlockSuggestion,
  SlashCommand,
  ViewClosedAction,
  ViewSubmitAction,
} from "@slack/bolt";
import { signedHeaders, unixSeconds } from "./signing.js";

/**
 * Sends signed requests to a Bolt HTTP receiver over a real socket, byte for byte as Slack does. The
 * body is a string with an exact `application/x-www-form-urlencoded` header: a URLSearchParams body
 * would make fetch add `;charset=UTF-8`, which Bolt's parser does not take for a form (400).
 */

export type InteractionPayload = BlockAction | ViewSubmitAction | ViewClosedAction | BlockSuggestion;

export interface SendOptions {
  /** Unix seconds to sign with; default now. `staleTimestamp()` gives one outside the replay window. */
  readonly timestamp?: number;
  /** Sign with the wrong secret, so the receiver must refuse the request. */
  readonly badSignature?: boolean;
  /** Extra headers, e.g. `x-slack-retry-num`. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface SlackHttpResponse {
  readonly status: number;
  readonly text: string;
  /** The body parsed as JSON; throws when it is not JSON. */
  json(): unknown;
}

export interface SlackSender {
  command(command: SlashCommand, options?: SendOptions): Promise<SlackHttpResponse>;
  interaction(payload: InteractionPayload, options?: SendOptions): Promise<SlackHttpResponse>;
  /** An Events API envelope (sent as JSON, as Slack does). */
  event(envelope: Readonly<Record<string, unknown>>, options?: SendOptions): Promise<SlackHttpResponse>;
  raw(body: string, contentType: string, options?: SendOptions): Promise<SlackHttpResponse>;
}

export const FORM_CONTENT_TYPE = "application/x-www-form-urlencoded";

/** A slash command as Slack posts it: its fields as a form. */
export function encodeCommand(command: SlashCommand): string {
  const fields: [string, string][] = [];
  for (const [key, value] of Object.entries(command)) {
    if (value !== undefined && value !== null) fields.push([key, String(value)]);
  }
  return new URLSearchParams(fields).toString();
}

/** Interactivity as Slack posts it: one form field `payload` holding the JSON. */
export function encodeInteraction(payload: InteractionPayload): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export function createSlackSender(target: {
  readonly url: string;
  readonly signingSecret: string;
}): SlackSender {
  async function raw(
    body: string,
    contentType: string,
    options: SendOptions = {},
  ): Promise<SlackHttpResponse> {
    const secret = options.badSignature ? `${target.signingSecret}-wrong` : target.signingSecret;
    const response = await fetch(target.url, {
      method: "POST",
      headers: {
        "content-type": contentType,
        ...signedHeaders(secret, body, options.timestamp ?? unixSeconds()),
        ...options.headers,
      },
      body,
    });
    const text = await response.text();
    return { status: response.status, text, json: () => JSON.parse(text) };
  }
  return {
    command: (command, options) => raw(encodeCommand(command), FORM_CONTENT_TYPE, options),
    interaction: (payload, options) => raw(encodeInteraction(payload), FORM_CONTENT_TYPE, options),
    event: (envelope, options) => raw(JSON.stringify(envelope), "application/json", options),
    raw,
  };
}
