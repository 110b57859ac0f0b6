/** Public shapes of the Slack Web API stand-in: its configuration, what it stores and what it emits. */

export interface StandInUser {
  readonly id: string;
  readonly name: string;
  readonly realName?: string;
  readonly email?: string;
  readonly isBot?: boolean;
  readonly deleted?: boolean;
  readonly tz?: string;
  /** The user's home workspace; default the stand-in's own (another one for a Slack Connect user). */
  readonly teamId?: string;
  /** Enterprise Grid: users.info then carries `enterprise_user`. */
  readonly enterpriseId?: string;
  /** Guests: `multi-channel` sets is_restricted; `single-channel` also is_ultra_restricted (as Slack does). */
  readonly guest?: "multi-channel" | "single-channel";
  /** From another workspace, in no channel shared with the app: users.info says `is_stranger: true`. */
  readonly isStranger?: boolean;
  /** `is_email_confirmed`; default true when the user has an email. */
  readonly emailConfirmed?: boolean;
}

export interface StandInChannel {
  readonly id: string;
  readonly name: string;
  readonly isPrivate?: boolean;
  readonly isArchived?: boolean;
  /** Whether the bot is in the channel; `false` makes chat.postMessage answer not_in_channel. */
  readonly isMember?: boolean;
  /** Users in the channel; when given, chat.postEphemeral to anyone else answers user_not_in_channel. */
  readonly members?: readonly string[];
}

export interface StandInUserGroup {
  readonly id: string;
  readonly handle: string;
  readonly users: readonly string[];
}

/** Chosen to match what a Bolt App is told in tests (`botId`, `botUserId`). */
export interface StandInIdentity {
  readonly teamId: string;
  readonly teamName: string;
  readonly teamDomain: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  readonly botName: string;
}

export interface RateLimitOptions {
  /** chat.postMessage per channel: sustained rate (Slack: about 1 per second). */
  readonly postMessagePerSecond?: number;
  /** chat.postMessage per channel: how many may go at once before the rate applies. */
  readonly postMessageBurst?: number;
  /** Per-minute allowance by method, overriding the tier table (e.g. `{ "views.open": 2 }`). */
  readonly perMinute?: Readonly<Record<string, number>>;
}

export interface StandInOptions {
  /** The only bot token accepted. Default `xoxb-standin-token`. */
  readonly token?: string;
  /** The only app-level token `apps.connections.open` accepts. Default `xapp-1-standin-app-token`. */
  readonly appToken?: string;
  readonly port?: number;
  readonly host?: string;
  readonly identity?: Partial<StandInIdentity>;
  readonly users?: readonly StandInUser[];
  readonly channels?: readonly StandInChannel[];
  readonly userGroups?: readonly StandInUserGroup[];
  /** Refuse channels missing from `channels` (channel_not_found). Default: any Slack-shaped ID is accepted. */
  readonly strictChannels?: boolean;
  /** Off unless given; `true` uses Slack's published rates. */
  readonly rateLimits?: boolean | RateLimitOptions;
  /** Milliseconds since the epoch; tests pass a hand-moved clock to expire triggers without waiting. */
  readonly clock?: () => number;
  /** Default 3000, as in Slack. */
  readonly triggerTtlMs?: number;
}

export type Fault =
  | { readonly kind: "rate_limited"; readonly retryAfter: number }
  | { readonly kind: "http_error"; readonly status: number; readonly body?: string }
  | { readonly kind: "error"; readonly error: string; readonly extra?: Readonly<Record<string, unknown>> }
  /** Waits, then answers normally. */
  | { readonly kind: "delay"; readonly ms: number }
  /** Destroys the socket without answering: the client sees a network error. */
  | { readonly kind: "disconnect" }
  /** Carries out the call, then answers 200 with `body` (default `{"unexpected": true}`): valid JSON, wrong shape. */
  | { readonly kind: "wrong_shape"; readonly body?: unknown }
  /** Carries out the call, then sends half of its answer (Content-Length of the whole) and drops the socket. */
  | { readonly kind: "truncated_body" };

export interface RecordedCall {
  readonly seq: number;
  readonly method: string;
  /** Parsed arguments, JSON fields (`blocks`, `view`, ...) decoded, token removed. */
  readonly args: Readonly<Record<string, unknown>>;
  readonly at: number;
  readonly status: number;
  readonly response: Readonly<Record<string, unknown>>;
}

export interface MessageMetadata {
  readonly event_type: string;
  readonly event_payload: Readonly<Record<string, unknown>>;
}

export interface StoredMessage {
  readonly channel: string;
  readonly ts: string;
  /** Set on thread replies: the parent's ts. */
  readonly threadTs?: string;
  readonly text?: string;
  readonly blocks?: readonly unknown[];
  readonly user: string;
  readonly botId: string;
  /** `{ event_type, event_payload }` as given to chat.postMessage or the last chat.update that set it. */
  readonly metadata?: MessageMetadata;
  /** A thread reply sent with `reply_broadcast: true`: Slack also shows it in the channel. */
  readonly replyBroadcast?: boolean;
  readonly fileIds?: readonly string[];
  /** ts-like time of the last chat.update. */
  readonly edited?: string;
}

export interface EphemeralMessage {
  readonly channel: string;
  readonly user: string;
  readonly messageTs: string;
  readonly threadTs?: string;
  readonly text?: string;
  readonly blocks?: readonly unknown[];
}

/** A view as Slack returns it (the shape Bolt calls ViewOutput), plus who it was opened for. */
export interface StoredView {
  readonly id: string;
  readonly hash: string;
  readonly type: string;
  readonly rootViewId: string;
  readonly previousViewId: string | null;
  readonly user?: string;
  readonly externalId?: string;
  /** The view JSON as returned to the client. */
  readonly json: Readonly<Record<string, unknown>>;
}

export interface StoredFile {
  readonly id: string;
  readonly filename: string;
  readonly length: number;
  readonly title?: string;
  readonly altText?: string;
  readonly bytes?: Buffer;
  readonly completed: boolean;
  readonly channel?: string;
  readonly threadTs?: string;
  readonly initialComment?: string;
}

export interface RecordedResponse {
  readonly id: string;
  readonly url: string;
  readonly body: Readonly<Record<string, unknown>>;
  readonly at: number;
  readonly channel?: string;
  readonly user?: string;
}

export type ViewAction = "opened" | "updated" | "pushed" | "published";

export type StandInEvent =
  | { readonly type: "call"; readonly call: RecordedCall }
  | { readonly type: "message"; readonly message: StoredMessage }
  | { readonly type: "message_changed"; readonly message: StoredMessage }
  | { readonly type: "message_deleted"; readonly channel: string; readonly ts: string }
  | { readonly type: "ephemeral"; readonly message: EphemeralMessage }
  | { readonly type: "view"; readonly action: ViewAction; readonly view: StoredView }
  | { readonly type: "response"; readonly response: RecordedResponse }
  | { readonly type: "file"; readonly file: StoredFile };

export type StandInListener = (event: StandInEvent) => void;
