import { BLOCK } from "../../src/blocks/ids.js";
import type {
  RecordedCall,
  RecordedResponse,
  StandInEvent,
  StoredFile,
  StoredView,
} from "../slack-standin/index.js";
import { list, record, str } from "./json.js";
import type { ModalTracker, OpenModal } from "./modals.js";
import type { Directory } from "./mrkdwn.js";
import { type Button, type Rendered, renderMessage, renderModal } from "./render.js";
import type { Style } from "./style.js";

/**
 * What the bot does, as the console shows it: everything the Slack stand-in records (messages, edits,
 * thread replies, ephemerals, response_url posts, modals, files, failed calls), rendered as text, with
 * every button numbered so `click` can find it.
 */

/** Where a clicked button lives: a message (the payload needs its channel and ts) or a modal. */
export type ButtonSource =
  | {
      readonly kind: "message";
      readonly channel: string;
      readonly ts: string;
      readonly ephemeral: boolean;
      readonly text: string;
      readonly blocks: readonly unknown[];
    }
  | { readonly kind: "view"; readonly viewId: string };

export interface Clickable {
  readonly button: Button;
  readonly source: ButtonSource;
}

const FILE_PREVIEW_LINES = 5;
const QUIET_METHODS = new Set(["files.getUploadURLExternal"]);

export class Transcript {
  readonly #write: (text: string) => void;
  readonly #style: Style;
  readonly #names: Directory;
  readonly #modals: ModalTracker;
  readonly #messageLabels = new Map<string, string>();
  #clickables: Clickable[] = [];
  #freshButtons = false;
  /** True between commands and during `wait`: what prints then arrived on its own, and is marked `»`. */
  #asynchronous = false;
  /** The status cards of followed operations (their ts): their edits and thread replies come on their own. */
  readonly #followedCards = new Set<string>();
  #fromFollowUp = false;
  #held: (() => void)[] | undefined;
  #pendingResponse: { response: RecordedResponse; ts?: string } | undefined;
  #syntheticTs = 0;

  constructor(options: {
    write: (text: string) => void;
    style: Style;
    names: Directory;
    modals: ModalTracker;
  }) {
    this.#write = options.write;
    this.#style = options.style;
    this.#names = options.names;
    this.#modals = options.modals;
  }

  get style(): Style {
    return this.#style;
  }

  /** The buttons printed since the last command that printed any, numbered from 1. */
  get clickables(): readonly Clickable[] {
    return this.#clickables;
  }

  /** A new command: the next button printed in answer to it starts a new numbering. */
  startCommand(): void {
    this.#freshButtons = true;
    this.#asynchronous = false;
  }

  /**
   * The command has its answer (or is a `wait`): from now on what the bot posts comes from operations it
   * follows, as it happens, marked `»` so it is not read as the answer to the line above it.
   */
  endCommand(): void {
    this.#asynchronous = true;
  }

  /**
   * While the console waits for an acknowledgement, what the bot does meanwhile is queued, so the
   * reply to the request prints before its consequences, as a person sees it in Slack.
   */
  hold(): void {
    this.#held ??= [];
  }

  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const show of held) show();
  }

  line(text = ""): void {
    this.#write(`${text}\n`);
  }

  note(text: string): void {
    this.line(this.#style.dim(text));
  }

  error(text: string): void {
    this.line(this.#style.red(`✖ ${text}`));
  }

  /** A headline and a rendered message under it; its buttons become clickable. */
  message(
    headline: string,
    message: { readonly text?: unknown; readonly blocks?: unknown },
    where: Omit<Extract<ButtonSource, { kind: "message" }>, "kind" | "text" | "blocks">,
    indent = "  ",
  ): void {
    const rendered = renderMessage(message, this.#renderOptions());
    const source: ButtonSource = {
      kind: "message",
      ...where,
      text: str(message.text) ?? "",
      blocks: list(message.blocks),
    };
    this.#print(headline, rendered, source, indent);
  }

  modal(headline: string, modal: OpenModal): void {
    const rendered = renderModal(
      modal.json,
      { values: modal.typed, errors: modal.errors },
      this.#renderOptions(),
    );
    this.#print(headline, rendered, { kind: "view", viewId: modal.id }, "  ");
  }

  /** A ts for messages Slack does not hand back (ephemerals), so a click on them has one. */
  syntheticTs(): string {
    this.#syntheticTs += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.#syntheticTs).padStart(6, "0")}`;
  }

  onEvent(event: StandInEvent): void {
    // An in_channel response_url post is stored as a channel message right after it is recorded, in the
    // same tick: that message's ts is what a click on it must carry.
    if (event.type === "message" && this.#pendingResponse?.response.channel === event.message.channel) {
      this.#pendingResponse.ts ??= event.message.ts;
      return;
    }
    if (event.type === "response") {
      const pending: { response: RecordedResponse; ts?: string } = { response: event.response };
      this.#pendingResponse = pending;
      queueMicrotask(() => {
        if (this.#pendingResponse === pending) this.#pendingResponse = undefined;
        this.#show(() => this.#response(pending.response, pending.ts));
      });
      return;
    }
    if (event.type === "call") this.#show(() => this.#call(event.call));
    else if (event.type === "view") this.#show(() => this.#view(event.action, event.view));
    else if (event.type === "file") this.#show(() => this.#file(event.file));
  }

  #show(print: () => void): void {
    if (this.#held) this.#held.push(print);
    else print();
  }

  #renderOptions() {
    const fresh = this.#freshButtons && !this.#onItsOwn;
    const firstButton = fresh ? 1 : this.#clickables.length + 1;
    return { style: this.#style, names: this.#names, firstButton };
  }

  /** Arrived on its own: between commands, during `wait`, or an update of a followed operation. */
  get #onItsOwn(): boolean {
    return this.#asynchronous || this.#fromFollowUp;
  }

  /** An event's first line, in bold, marked when it arrived on its own. */
  #headline(text: string): void {
    this.line(this.#style.bold(this.#onItsOwn ? `» ${text}` : text));
  }

  #print(headline: string, rendered: Rendered, source: ButtonSource, indent: string): void {
    if (rendered.buttons.length > 0) {
      // Buttons arriving on their own join the numbering; they never replace what a command printed.
      const own = this.#onItsOwn;
      if (this.#freshButtons && !own) this.#clickables = [];
      if (!own) this.#freshButtons = false;
      this.#clickables.push(...rendered.buttons.map((button) => ({ button, source })));
    }
    this.#headline(headline);
    for (const line of rendered.lines) this.line(`${indent}${line}`);
  }

  #channelName(channel: string | undefined): string {
    if (!channel) return "a DM";
    // The stand-in keeps a DM to user U… under D…, as Slack's IM ids look.
    if (channel.startsWith("D")) return `the DM with ${this.#userName(`U${channel.slice(1)}`)}`;
    const name = this.#names.channels?.get(channel);
    return name ? `#${name}` : channel;
  }

  #userName(user: string | undefined): string {
    return `@${(user && this.#names.users?.get(user)) ?? user ?? "someone"}`;
  }

  #label(ts: string): string {
    const known = this.#messageLabels.get(ts);
    if (known) return known;
    const label = `message ${this.#messageLabels.size + 1}`;
    this.#messageLabels.set(ts, label);
    return label;
  }

  #response(response: RecordedResponse, echoTs: string | undefined): void {
    const body = response.body;
    const inChannel = body.response_type === "in_channel";
    const parts = [
      "◆ reply via response_url",
      inChannel
        ? `in ${this.#channelName(response.channel)}`
        : `only ${this.#userName(response.user)} sees it`,
    ];
    if (body.replace_original === true) parts.push("replaces the message clicked");
    if (body.delete_original === true) {
      this.#headline("◆ reply via response_url: deletes the message clicked");
      return;
    }
    const ts = echoTs ?? this.syntheticTs();
    if (echoTs) parts.push(this.#label(echoTs));
    this.message(parts.join(" · "), body, {
      channel: response.channel ?? "",
      ts,
      ephemeral: !inChannel,
    });
  }

  #call(call: RecordedCall): void {
    const { args, response } = call;
    if (response.ok !== true) {
      if (!QUIET_METHODS.has(call.method)) {
        const detail = str(response.error) ?? `HTTP ${call.status}`;
        const text = `✖ ${call.method} failed: ${detail}`;
        this.line(this.#style.red(this.#onItsOwn ? `» ${text}` : text));
      }
      return;
    }
    const channel = str(response.channel) ?? str(args.channel) ?? "";
    const ts = str(response.ts) ?? str(args.ts);
    const thread = str(args.thread_ts);
    const card =
      ts !== undefined && list(args.blocks).some((b) => record(b)?.block_id === BLOCK.followUpStatus);
    const known = ts !== undefined && this.#followedCards.has(ts);
    if (card && ts) this.#followedCards.add(ts);
    // A card's first post answers the command that started the operation; its edits and thread replies
    // come on their own.
    this.#fromFollowUp = known || (thread !== undefined && this.#followedCards.has(thread));
    try {
      this.#printCall(call, channel, thread);
    } finally {
      this.#fromFollowUp = false;
    }
  }

  #printCall(call: RecordedCall, channel: string, thread: string | undefined): void {
    const { args, response } = call;
    switch (call.method) {
      case "chat.postMessage": {
        const ts = str(response.ts) ?? this.syntheticTs();
        const where = this.#channelName(channel);
        const headline = thread
          ? `  ↳ thread reply to ${this.#label(thread)} in ${where} · ${this.#label(ts)}`
          : `◆ ${where} · ${this.#label(ts)}`;
        this.message(headline, args, { channel, ts, ephemeral: false }, thread ? "      " : "  ");
        return;
      }
      case "chat.update": {
        const ts = str(args.ts) ?? "";
        this.message(`◆ ${this.#channelName(channel)} · ${this.#label(ts)} edited`, args, {
          channel,
          ts,
          ephemeral: false,
        });
        return;
      }
      case "chat.postEphemeral":
        this.message(
          `◆ ${this.#channelName(channel)} · only ${this.#userName(str(args.user))} sees it`,
          args,
          { channel, ts: str(response.message_ts) ?? this.syntheticTs(), ephemeral: true },
        );
        return;
      case "chat.delete":
        this.#headline(`◆ ${this.#channelName(channel)} · ${this.#label(str(args.ts) ?? "")} deleted`);
        return;
      default:
    }
  }

  #view(action: "opened" | "pushed" | "updated" | "published", view: StoredView): void {
    const modal = this.#modals.track(action, view);
    if (!modal) {
      this.message(`◆ App Home of ${this.#userName(view.user)} ${action}`, view.json, {
        channel: "",
        ts: this.syntheticTs(),
        ephemeral: true,
      });
      return;
    }
    this.modal(`◆ modal ${action} for ${this.#userName(view.user)} (${view.id})`, modal);
  }

  #file(file: StoredFile): void {
    const text = file.bytes?.toString("utf8") ?? "";
    const lines = text.split("\n");
    const where = file.channel ? ` in ${this.#channelName(file.channel)}` : "";
    const size = `${lines.length} line${lines.length === 1 ? "" : "s"}, ${file.bytes?.length ?? 0} bytes`;
    this.#headline(`📎 file ${file.filename}${where} (${size})`);
    if (file.title && file.title !== file.filename) this.line(`  ${file.title}`);
    for (const line of lines.slice(0, FILE_PREVIEW_LINES)) this.line(`  │ ${line}`);
    if (lines.length > FILE_PREVIEW_LINES) this.note(`  │ … ${lines.length - FILE_PREVIEW_LINES} more lines`);
  }
}
