import type { ViewOutput } from "@slack/bolt";
import type { StoredView } from "../slack-standin/index.js";
import type { ViewValues } from "./form.js";
import { type Json, list, record, str } from "./json.js";

/**
 * The modals open in the console, per user, as Slack keeps them: a stack of at most three views. Views
 * opened, pushed or updated through the Web API come from the stand-in; `response_action: update | push`
 * from a submission's ack never reach it, so the console applies those itself.
 */

export interface OpenModal {
  readonly id: string;
  readonly user: string | undefined;
  /** The view as Slack would return it (ids, hash, private_metadata, blocks). */
  json: Json;
  hash: string;
  /** What `submit` filled in so far, by block_id; kept across errors as Slack keeps typed values. */
  readonly typed: Map<string, string>;
  /** The errors of the last refused submission, by block_id. */
  errors: Readonly<Record<string, string>>;
}

export class ModalTracker {
  readonly #stacks = new Map<string, OpenModal[]>();
  #localIds = 0;

  /** Records a view the stand-in stored; returns the modal, or undefined for App Home views. */
  track(action: "opened" | "pushed" | "updated" | "published", view: StoredView): OpenModal | undefined {
    if (view.type !== "modal") return undefined;
    const user = view.user ?? "";
    if (action === "updated") {
      const current = this.find(view.id);
      if (current) {
        this.#replace(current, view.json, view.hash);
        return current;
      }
    }
    const modal = newModal(view.id, view.user, view.json, view.hash);
    if (action === "opened") this.#stacks.set(user, [modal]);
    else this.#stacks.set(user, [...(this.#stacks.get(user) ?? []), modal]);
    return modal;
  }

  top(user: string): OpenModal | undefined {
    return this.#stacks.get(user)?.at(-1);
  }

  find(viewId: string): OpenModal | undefined {
    for (const stack of this.#stacks.values()) {
      const found = stack.find((m) => m.id === viewId);
      if (found) return found;
    }
    return undefined;
  }

  /** `response_action: "update"`: same view id, new content. */
  updateTop(user: string, view: unknown): OpenModal | undefined {
    const top = this.top(user);
    if (top) this.#replace(top, { ...top.json, ...record(view) }, `${top.hash}+`);
    return top;
  }

  /** `response_action: "push"`: a view the stand-in never saw, so the console names it. */
  pushLocal(user: string, view: unknown): OpenModal {
    const under = this.top(user);
    const id = `V0DEMOPUSH${++this.#localIds}`;
    const json = {
      ...record(view),
      id,
      root_view_id: str(under?.json.root_view_id) ?? id,
      previous_view_id: under?.id ?? null,
    };
    const modal = newModal(id, user, json, `${id}.hash`);
    this.#stacks.set(user, [...(this.#stacks.get(user) ?? []), modal]);
    return modal;
  }

  /** Closes the top view (a submission acknowledged without a response_action); returns the one below. */
  pop(user: string): OpenModal | undefined {
    const stack = this.#stacks.get(user) ?? [];
    stack.pop();
    return stack.at(-1);
  }

  clear(user: string): void {
    this.#stacks.delete(user);
  }

  #replace(modal: OpenModal, json: Json, hash: string): void {
    modal.json = json;
    modal.hash = hash;
    modal.errors = {};
    // Slack keeps what was typed in inputs whose block_id survives an update.
    const blockIds = new Set(list(json.blocks).map((b) => str(record(b)?.block_id)));
    for (const blockId of [...modal.typed.keys()]) if (!blockIds.has(blockId)) modal.typed.delete(blockId);
  }
}

function newModal(id: string, user: string | undefined, json: Json, hash: string): OpenModal {
  return { id, user, json, hash, typed: new Map(), errors: {} };
}

const plainText = (value: unknown, fallback: string) => ({
  type: "plain_text" as const,
  text: str(record(value)?.text) ?? fallback,
});

/** The view as a view_submission or block_actions payload carries it, with the state being sent. */
export function viewOutput(
  modal: OpenModal,
  values: ViewValues,
  ids: { teamId: string; appId: string; botId: string },
): ViewOutput {
  const j = modal.json;
  return {
    id: modal.id,
    type: "modal",
    callback_id: str(j.callback_id) ?? "",
    team_id: ids.teamId,
    app_id: ids.appId,
    bot_id: ids.botId,
    title: plainText(j.title, "opsbot"),
    // The bot built these blocks itself; they go back to it as Slack would echo them.
    blocks: list(j.blocks) as ViewOutput["blocks"],
    close: j.close ? plainText(j.close, "Cancel") : null,
    submit: j.submit ? plainText(j.submit, "Submit") : null,
    state: { values },
    hash: modal.hash,
    private_metadata: str(j.private_metadata) ?? "",
    root_view_id: str(j.root_view_id) ?? modal.id,
    previous_view_id: str(j.previous_view_id) ?? null,
    clear_on_close: j.clear_on_close === true,
    notify_on_close: j.notify_on_close === true,
    ...(str(j.external_id) ? { external_id: str(j.external_id) ?? "" } : {}),
  };
}
