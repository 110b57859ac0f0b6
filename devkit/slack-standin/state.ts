import { randomBytes } from "node:crypto";
import type {
  EphemeralMessage,
  RecordedResponse,
  StandInChannel,
  StandInEvent,
  StandInIdentity,
  StandInListener,
  StandInOptions,
  StandInUser,
  StandInUserGroup,
  StoredFile,
  StoredMessage,
  StoredView,
} from "./types.js";

export const DEFAULT_IDENTITY: StandInIdentity = {
  teamId: "T0STANDIN",
  teamName: "Stand-in Workspace",
  teamDomain: "standin",
  botUserId: "U0OPSBOT",
  botId: "B0OPSBOT",
  appId: "A0OPSBOT",
  botName: "opsbot",
};

interface Trigger {
  readonly issuedAt: number;
  readonly user?: string;
  /** The modal the trigger came from, so views.push knows which stack to grow. */
  readonly viewId?: string;
  used: boolean;
}

export type TriggerCheck =
  | { readonly ok: true; readonly user?: string; readonly viewId?: string }
  | { readonly ok: false; readonly error: "invalid_trigger_id" | "expired_trigger_id" };

interface ResponseTarget {
  readonly issuedAt: number;
  readonly channel?: string;
  readonly user?: string;
  uses: number;
}

/** Slack lets a response_url be used 5 times within 30 minutes. */
const RESPONSE_URL_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60_000;

/** Everything the stand-in remembers about its one workspace. Single-threaded, so no locking. */
export class Workspace {
  readonly identity: StandInIdentity;
  readonly users: ReadonlyMap<string, StandInUser>;
  readonly channels: ReadonlyMap<string, StandInChannel>;
  readonly groups: ReadonlyMap<string, StandInUserGroup>;
  readonly strictChannels: boolean;
  /** Set once the server listens; upload and response URLs are built from it. */
  origin = "http://127.0.0.1";

  readonly #now: () => number;
  readonly #triggerTtlMs: number;
  readonly #messages = new Map<string, StoredMessage[]>();
  readonly #ephemerals: EphemeralMessage[] = [];
  readonly #views = new Map<string, StoredView>();
  readonly #triggers = new Map<string, Trigger>();
  readonly #files = new Map<string, StoredFile>();
  readonly #responseTargets = new Map<string, ResponseTarget>();
  readonly #responses: RecordedResponse[] = [];
  readonly #listeners = new Set<StandInListener>();
  #seq = 0;
  #lastTsMicros = 0;

  constructor(options: StandInOptions) {
    this.identity = { ...DEFAULT_IDENTITY, ...options.identity };
    this.users = new Map((options.users ?? []).map((u) => [u.id, u]));
    this.channels = new Map((options.channels ?? []).map((c) => [c.id, c]));
    this.groups = new Map((options.userGroups ?? []).map((g) => [g.id, g]));
    this.strictChannels = options.strictChannels ?? false;
    this.#now = options.clock ?? Date.now;
    this.#triggerTtlMs = options.triggerTtlMs ?? 3000;
  }

  now(): number {
    return this.#now();
  }

  /** Slack-style `seconds.micros`, strictly increasing even when the clock stands still. */
  nextTs(): string {
    const micros = Math.max(this.#now() * 1000, this.#lastTsMicros + 1);
    this.#lastTsMicros = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, "0")}`;
  }

  nextId(prefix: string): string {
    this.#seq += 1;
    return `${prefix}0${this.#seq.toString(36).toUpperCase().padStart(8, "0")}`;
  }

  randomHex(bytes: number): string {
    return randomBytes(bytes).toString("hex");
  }

  // --- messages ---------------------------------------------------------------------------------

  addMessage(message: StoredMessage): void {
    const list = this.#messages.get(message.channel) ?? [];
    list.push(message);
    this.#messages.set(message.channel, list);
    this.emit({ type: "message", message });
  }

  findMessage(channel: string, ts: string): StoredMessage | undefined {
    return this.#messages.get(channel)?.find((m) => m.ts === ts);
  }

  replaceMessage(message: StoredMessage): void {
    const list = this.#messages.get(message.channel) ?? [];
    const i = list.findIndex((m) => m.ts === message.ts);
    if (i >= 0) list[i] = message;
    this.emit({ type: "message_changed", message });
  }

  deleteMessage(channel: string, ts: string): void {
    const list = this.#messages.get(channel) ?? [];
    this.#messages.set(
      channel,
      list.filter((m) => m.ts !== ts),
    );
    this.emit({ type: "message_deleted", channel, ts });
  }

  /** What the channel shows, oldest first: top-level messages and thread replies broadcast to it. */
  messages(channel: string): StoredMessage[] {
    return (this.#messages.get(channel) ?? []).filter((m) => m.threadTs === undefined || m.replyBroadcast);
  }

  thread(channel: string, threadTs: string): StoredMessage[] {
    return (this.#messages.get(channel) ?? []).filter((m) => m.threadTs === threadTs);
  }

  addEphemeral(message: EphemeralMessage): void {
    this.#ephemerals.push(message);
    this.emit({ type: "ephemeral", message });
  }

  ephemerals(): EphemeralMessage[] {
    return [...this.#ephemerals];
  }

  // --- triggers and views -----------------------------------------------------------------------

  issueTriggerId(context: { user?: string; viewId?: string } = {}): string {
    this.#seq += 1;
    // Slack's shape (`398738663015.47445629121.803a…`); the random part keeps them unguessable.
    const id = `${this.#seq}.${this.#now()}.${this.randomHex(16)}`;
    this.#triggers.set(id, { issuedAt: this.#now(), used: false, ...context });
    return id;
  }

  /** Uses up a trigger: unknown or already used is invalid; older than the TTL is expired. */
  consumeTrigger(id: string): TriggerCheck {
    const trigger = this.#triggers.get(id);
    if (!trigger || trigger.used) return { ok: false, error: "invalid_trigger_id" };
    trigger.used = true;
    if (this.#now() - trigger.issuedAt > this.#triggerTtlMs)
      return { ok: false, error: "expired_trigger_id" };
    return {
      ok: true,
      ...(trigger.user === undefined ? {} : { user: trigger.user }),
      ...(trigger.viewId === undefined ? {} : { viewId: trigger.viewId }),
    };
  }

  putView(view: StoredView): void {
    this.#views.set(view.id, view);
  }

  view(id: string): StoredView | undefined {
    return this.#views.get(id);
  }

  viewByExternalId(externalId: string): StoredView | undefined {
    return [...this.#views.values()].find((v) => v.externalId === externalId);
  }

  views(): StoredView[] {
    return [...this.#views.values()];
  }

  /** Views in the stack rooted at `rootViewId`, root first. */
  stack(rootViewId: string): StoredView[] {
    return [...this.#views.values()].filter((v) => v.rootViewId === rootViewId && v.type === "modal");
  }

  // --- files ------------------------------------------------------------------------------------

  putFile(file: StoredFile): void {
    this.#files.set(file.id, file);
  }

  file(id: string): StoredFile | undefined {
    return this.#files.get(id);
  }

  files(): StoredFile[] {
    return [...this.#files.values()];
  }

  // --- response_url -----------------------------------------------------------------------------

  issueResponseUrl(context: { channel?: string; user?: string } = {}): string {
    const id = `R${this.randomHex(10)}`;
    this.#responseTargets.set(id, { issuedAt: this.#now(), uses: 0, ...context });
    return `${this.origin}/response/${id}`;
  }

  /** Counts a use; undefined when the URL is unknown, used up or too old. */
  useResponseUrl(id: string): { channel?: string; user?: string } | undefined {
    const target = this.#responseTargets.get(id);
    if (!target) return undefined;
    if (target.uses >= RESPONSE_URL_USES || this.#now() - target.issuedAt > RESPONSE_URL_TTL_MS)
      return undefined;
    target.uses += 1;
    return target;
  }

  addResponse(response: RecordedResponse): void {
    this.#responses.push(response);
    this.emit({ type: "response", response });
  }

  responses(): RecordedResponse[] {
    return [...this.#responses];
  }

  // --- events -----------------------------------------------------------------------------------

  subscribe(listener: StandInListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: StandInEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (err) {
        // A console or test listener that throws must not turn into a failed Slack call.
        process.emitWarning(`slack stand-in listener threw: ${String(err)}`);
      }
    }
  }
}
