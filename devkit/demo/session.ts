import type { ViewOutput } from "@slack/bolt";
import type { SlackHttpResponse } from "../testing/index.js";
import { createSlackFixtures, type SlackFixtures } from "../testing/index.js";
import { clickPayload, findClickable } from "./clicks.js";
import { type ConsoleCommand, HELP } from "./commands.js";
import { buildStateValues, inputFields, resolveField } from "./form.js";
import { list, parseJsonObject, record, str } from "./json.js";
import { escapeAsSlack } from "./mentions.js";
import { ModalTracker, type OpenModal, viewOutput } from "./modals.js";
import type { Directory } from "./mrkdwn.js";
import { SEEDS } from "./seeds.js";
import { Activity, settle } from "./settle.js";
import { DEMO_CHANNEL, DEMO_GROUP, DEMO_USERS, type DemoStack } from "./stack.js";
import type { Style } from "./style.js";
import { Transcript } from "./transcript.js";

/**
 * One console session: who is typing, and what each console command sends to the bot, signed as Slack
 * would sign it. Everything the bot does in answer is printed by the Transcript.
 */

export interface SessionOptions {
  readonly write: (text: string) => void;
  readonly style: Style;
  /** How long the stand-in must stay quiet before the next command runs. */
  readonly quietMs?: number;
  readonly maxSettleMs?: number;
  /** The longest a bare `wait` waits for followed operations to finish (default 60 s). */
  readonly maxWaitMs?: number;
}

interface Actor {
  readonly id: string;
  readonly name: string;
}

export class Session {
  readonly #stack: DemoStack;
  readonly #transcript: Transcript;
  readonly #modals = new ModalTracker();
  readonly #activity = new Activity();
  readonly #fixtures = new Map<string, SlackFixtures>();
  readonly #options: SessionOptions;
  readonly #unsubscribe: () => void;
  readonly #names: Directory;
  #actor: Actor = DEMO_USERS[0];

  constructor(stack: DemoStack, options: SessionOptions) {
    this.#stack = stack;
    this.#options = options;
    const names: Directory = {
      users: new Map<string, string>(DEMO_USERS.map((u) => [u.id, u.name])),
      channels: new Map([[DEMO_CHANNEL.id, DEMO_CHANNEL.name]]),
      groups: new Map([[DEMO_GROUP.id, DEMO_GROUP.handle]]),
    };
    this.#names = names;
    this.#transcript = new Transcript({
      write: options.write,
      style: options.style,
      names,
      modals: this.#modals,
    });
    this.#unsubscribe = stack.slack.subscribe((event) => {
      this.#activity.touch();
      this.#transcript.onEvent(event);
    });
  }

  get actor(): Actor {
    return this.#actor;
  }

  get transcript(): Transcript {
    return this.#transcript;
  }

  detach(): void {
    this.#unsubscribe();
  }

  /**
   * Runs one command and waits until the bot has answered it: requests handled, then a quiet moment.
   * Operations it follows go on in the background; their updates print as they come (marked `»`).
   */
  async execute(command: ConsoleCommand): Promise<"quit" | undefined> {
    this.#transcript.startCommand();
    try {
      return await this.#run(command);
    } finally {
      this.#transcript.endCommand();
    }
  }

  async #run(command: ConsoleCommand): Promise<"quit" | undefined> {
    switch (command.kind) {
      case "empty":
        return undefined;
      case "quit":
        return "quit";
      case "help":
        this.#transcript.line(HELP);
        return undefined;
      case "seeds":
        this.#transcript.line(SEEDS);
        return undefined;
      case "error":
        this.#transcript.error(command.message);
        return undefined;
      case "as":
        this.#switchUser(command.who);
        return undefined;
      case "wait":
        await this.#wait(command.seconds);
        return undefined;
      case "slash":
        await this.#slash(command.command, command.text);
        break;
      case "click":
        await this.#click(command.target);
        break;
      case "submit":
        await this.#submit(command.fields);
        break;
      case "select":
        await this.#select(command.field, command.query);
        break;
      case "close":
        await this.#close();
        break;
    }
    await this.settle();
    return undefined;
  }

  /** Requests still being handled count: a check in users.info can leave Slack quiet meanwhile. */
  async settle(): Promise<void> {
    await settle(this.#activity, {
      ...(this.#options.quietMs === undefined ? {} : { quietMs: this.#options.quietMs }),
      ...(this.#options.maxSettleMs === undefined ? {} : { maxMs: this.#options.maxSettleMs }),
      busy: () => this.#stack.bot.handling > 0,
    });
  }

  /** Said at the end: operations still followed stop with the demo, unreported. */
  noteUnfinished(): void {
    const left = this.#stack.bot.core.followUps.following;
    if (left > 0)
      this.#transcript.note(
        left === 1
          ? "(1 operation is still followed and stops with the demo: end a script with wait to see it finish)"
          : `(${left} operations are still followed and stop with the demo: end a script with wait to see them finish)`,
      );
  }

  /** Lets time pass while what is followed reports in: `seconds`, or until nothing is followed. */
  async #wait(seconds: number | undefined): Promise<void> {
    this.#transcript.endCommand();
    if (seconds !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      return;
    }
    const following = () => this.#stack.bot.core.followUps.following;
    await settle(this.#activity, {
      ...(this.#options.quietMs === undefined ? {} : { quietMs: this.#options.quietMs }),
      maxMs: this.#options.maxWaitMs ?? 60_000,
      busy: () => following() > 0 || this.#stack.bot.handling > 0,
    });
    const left = following();
    if (left > 0)
      this.#transcript.note(
        `(still following ${left} operation${left === 1 ? "" : "s"}: wait again, or wait <seconds>)`,
      );
  }

  #fx(): SlackFixtures {
    const { id, name } = this.#actor;
    let fx = this.#fixtures.get(id);
    if (!fx) {
      fx = createSlackFixtures(this.#stack.slack, {
        userId: id,
        userName: name,
        channelId: DEMO_CHANNEL.id,
        channelName: DEMO_CHANNEL.name,
      });
      this.#fixtures.set(id, fx);
    }
    return fx;
  }

  #switchUser(who: string): void {
    const wanted = who.replace(/^@/, "");
    const known = DEMO_USERS.find((u) => u.name === wanted.toLowerCase() || u.id === wanted);
    if (!known && !/^[UW][A-Z0-9]{2,}$/.test(wanted)) {
      this.#transcript.error(`no user ${who}: as alice, as bob, or a Slack user ID such as U0DEMO3`);
      return;
    }
    this.#actor = known ?? { id: wanted, name: wanted };
    this.#transcript.note(`now acting as @${this.#actor.name} (${this.#actor.id})`);
  }

  /** Sends a request; what the bot does while it is in flight prints after its acknowledgement. */
  async #send(request: () => Promise<SlackHttpResponse>): Promise<SlackHttpResponse | undefined> {
    this.#transcript.hold();
    try {
      const response = await request();
      this.#activity.touch();
      if (response.status !== 200)
        this.#transcript.error(`the bot answered HTTP ${response.status} ${response.text.slice(0, 200)}`);
      return response;
    } catch (error) {
      this.#transcript.error(`could not reach the bot: ${String(error)}`);
      return undefined;
    } finally {
      this.#transcript.release();
    }
  }

  async #slash(command: string, text: string): Promise<void> {
    const fx = this.#fx();
    // Typed `@bob` reaches the bot as `<@U0DEMO2|bob>`, as the manifest's should_escape makes Slack send it.
    const payload = fx.command({ command, text: escapeAsSlack(text, this.#names) });
    await this.#send(async () => {
      const response = await this.#stack.send.command(payload);
      this.#printAck(response, "◆ reply");
      return response;
    });
  }

  /** An acknowledgement with a body is the immediate reply (ephemeral unless it says in_channel). */
  #printAck(response: SlackHttpResponse, label: string): void {
    if (response.status !== 200 || response.text.trim() === "") return;
    const body = parseJsonObject(response.text) ?? { text: response.text };
    const inChannel = body.response_type === "in_channel";
    const who = inChannel ? `in #${DEMO_CHANNEL.name}` : `only @${this.#actor.name} sees it`;
    this.#transcript.message(`${label} · ${who}`, body, {
      channel: DEMO_CHANNEL.id,
      ts: this.#transcript.syntheticTs(),
      ephemeral: !inChannel,
    });
  }

  async #click(target: string): Promise<void> {
    const t = this.#transcript;
    const clickable = findClickable(t.clickables, target);
    if (!clickable) {
      const shown = t.clickables.map((c) => `[${c.button.n}] ${c.button.text}`).join(", ");
      t.error(`no button ${target}${shown ? `; buttons: ${shown}` : ": nothing to click"}`);
      return;
    }
    const { button, source } = clickable;
    if (button.confirm) {
      const title = button.confirm.title ? `${button.confirm.title}: ` : "";
      t.line(t.style.yellow(`? ${title}${button.confirm.text}`));
      t.note(`  → ${button.confirm.confirm ?? "Confirm"} (the console confirms)`);
    }
    if (button.url) t.note(`(opens ${button.url})`);
    let view: ViewOutput | undefined;
    if (source.kind === "view") {
      const modal = this.#modals.find(source.viewId);
      const state = modal ? this.#state(modal) : undefined;
      if (!modal || !state) {
        t.error("that modal is no longer open");
        return;
      }
      view = viewOutput(modal, state, this.#ids());
    }
    const payload = clickPayload(this.#fx(), clickable, DEMO_CHANNEL.id, view);
    t.note(`(clicked ${button.text} as @${this.#actor.name})`);
    await this.#send(() => this.#stack.send.interaction(payload));
  }

  #ids() {
    const identity = this.#stack.slack.identity;
    return { teamId: identity.teamId, appId: identity.appId, botId: identity.botId };
  }

  #state(modal: OpenModal) {
    const built = buildStateValues(inputFields(modal.json), modal.typed);
    if (built.ok) return built.values;
    this.#transcript.error(built.message);
    return undefined;
  }

  #openModal(): OpenModal | undefined {
    const modal = this.#modals.top(this.#actor.id);
    if (!modal) this.#transcript.error(`no modal is open for @${this.#actor.name}`);
    return modal;
  }

  async #submit(fields: readonly (readonly [string, string])[]): Promise<void> {
    const modal = this.#openModal();
    if (!modal) return;
    const t = this.#transcript;
    const inputs = inputFields(modal.json);
    const typed = new Map(modal.typed);
    for (const [name, value] of fields) {
      const field = resolveField(inputs, name);
      if (!field) {
        t.error(`no field ${name}; fields: ${inputs.map((f) => f.blockId).join(", ") || "none"}`);
        return;
      }
      typed.set(field.blockId, value);
    }
    const built = buildStateValues(inputs, typed);
    if (!built.ok) {
      t.error(built.message);
      return;
    }
    for (const [blockId, value] of typed) modal.typed.set(blockId, value);
    const payload = this.#fx().viewSubmission(viewOutput(modal, built.values, this.#ids()));
    const user = this.#actor.id;
    await this.#send(async () => {
      const response = await this.#stack.send.interaction(payload);
      if (response.status === 200) this.#applyViewResponse(user, modal, parseJsonObject(response.text));
      return response;
    });
  }

  /** A view_submission's ack: errors inline, update, push, clear, or (nothing) close this view. */
  #applyViewResponse(user: string, modal: OpenModal, body: Readonly<Record<string, unknown>> | undefined) {
    const t = this.#transcript;
    switch (body?.response_action) {
      case "errors": {
        const errors = record(body.errors) ?? {};
        modal.errors = Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, str(v) ?? String(v)]));
        t.modal(`◆ the bot refused the submission: fix the fields marked ✖ (${modal.id})`, modal);
        return;
      }
      case "update": {
        const updated = this.#modals.updateTop(user, body.view);
        if (updated) t.modal(`◆ modal updated by the submission (${updated.id})`, updated);
        return;
      }
      case "push":
        t.modal("◆ modal pushed by the submission", this.#modals.pushLocal(user, body.view));
        return;
      case "clear":
        this.#modals.clear(user);
        t.note("(every modal closed)");
        return;
      default: {
        const below = this.#modals.pop(user);
        t.note(below ? `(modal closed; ${below.id} is open again)` : "(modal submitted and closed)");
      }
    }
  }

  /** Asks the bot for an external select's options, as Slack does while the user types. */
  async #select(name: string, query: string): Promise<void> {
    const modal = this.#openModal();
    if (!modal) return;
    const t = this.#transcript;
    const field = resolveField(inputFields(modal.json), name);
    if (!field) {
      t.error(`no field ${name}`);
      return;
    }
    const state = this.#state(modal);
    if (!state) return;
    const payload = this.#fx().blockSuggestion(field.actionId, query, {
      blockId: field.blockId,
      view: viewOutput(modal, state, this.#ids()),
    });
    const response = await this.#send(() => this.#stack.send.interaction(payload));
    const body = parseJsonObject(response?.text ?? "");
    const options = [
      ...list(body?.options),
      ...list(body?.option_groups).flatMap((g) => list(record(g)?.options)),
    ].map((o) => str(record(o)?.value) ?? "");
    t.line(
      t.style.bold(`◆ ${field.label} offers ${options.length} option${options.length === 1 ? "" : "s"}`),
    );
    for (const value of options) t.line(`  • ${value}`);
  }

  async #close(): Promise<void> {
    const modal = this.#openModal();
    if (!modal) return;
    if (modal.json.notify_on_close === true) {
      const state = this.#state(modal) ?? {};
      const payload = this.#fx().viewClosed(viewOutput(modal, state, this.#ids()));
      await this.#send(() => this.#stack.send.interaction(payload));
    }
    this.#modals.pop(this.#actor.id);
    this.#transcript.note("(modal closed)");
  }
}
