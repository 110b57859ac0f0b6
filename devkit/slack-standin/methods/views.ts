import { z } from "zod";
import type { Workspace } from "../state.js";
import type { StoredView } from "../types.js";
import { blocksArg, enforceLimits, type MethodHandler, parseWith, SlackApiFailure } from "./common.js";

const PlainText = z.looseObject({ type: z.literal("plain_text"), text: z.string() });

const ViewJson = z.looseObject({
  type: z.enum(["modal", "home"]),
  title: PlainText.optional(),
  submit: PlainText.optional(),
  close: PlainText.optional(),
  blocks: blocksArg,
  private_metadata: z.string().optional(),
  callback_id: z.string().optional(),
  external_id: z.string().optional(),
  clear_on_close: z.boolean().optional(),
  notify_on_close: z.boolean().optional(),
});
type ViewJson = z.output<typeof ViewJson>;

const ModalJson = ViewJson.refine((v) => v.type === "modal", "view.type must be modal").refine(
  (v) => v.title !== undefined,
  "a modal needs a title",
);

const OpenArgs = z.object({ trigger_id: z.string().min(1), view: ModalJson });
const UpdateArgs = z
  .object({
    view_id: z.string().min(1).optional(),
    external_id: z.string().min(1).optional(),
    hash: z.string().optional(),
    view: ViewJson,
  })
  .refine(
    (a) => a.view_id !== undefined || a.external_id !== undefined,
    "view_id or external_id is required",
  );
const PublishArgs = z.object({
  user_id: z.string().min(1),
  hash: z.string().optional(),
  view: ViewJson.refine((v) => v.type === "home", "view.type must be home"),
});

/** Slack allows a root modal plus two pushed views. */
const MAX_STACK = 3;

interface Placement {
  readonly id: string;
  readonly rootViewId: string;
  readonly previousViewId: string | null;
  readonly user?: string | undefined;
}

/** The view as Slack returns it: the caller's JSON with ids, hash and defaulted fields added. */
function storeView(ws: Workspace, view: ViewJson, at: Placement): StoredView {
  const hash = `${Math.floor(ws.now() / 1000)}.${ws.randomHex(4)}`;
  const json = {
    ...view,
    id: at.id,
    team_id: ws.identity.teamId,
    app_id: ws.identity.appId,
    bot_id: ws.identity.botId,
    app_installed_team_id: ws.identity.teamId,
    private_metadata: view.private_metadata ?? "",
    callback_id: view.callback_id ?? "",
    external_id: view.external_id ?? "",
    close: view.close ?? null,
    submit: view.submit ?? null,
    clear_on_close: view.clear_on_close ?? false,
    notify_on_close: view.notify_on_close ?? false,
    state: { values: {} },
    hash,
    root_view_id: at.rootViewId,
    previous_view_id: at.previousViewId,
  };
  const stored: StoredView = {
    id: at.id,
    hash,
    type: view.type,
    rootViewId: at.rootViewId,
    previousViewId: at.previousViewId,
    json,
    ...(at.user === undefined ? {} : { user: at.user }),
    ...(view.external_id ? { externalId: view.external_id } : {}),
  };
  ws.putView(stored);
  return stored;
}

function assertUniqueExternalId(ws: Workspace, externalId: string | undefined, selfId?: string): void {
  const other = externalId ? ws.viewByExternalId(externalId) : undefined;
  if (other && other.id !== selfId) throw new SlackApiFailure("duplicate_external_id");
}

function useTrigger(ws: Workspace, triggerId: string) {
  const trigger = ws.consumeTrigger(triggerId);
  if (!trigger.ok) throw new SlackApiFailure(trigger.error);
  return trigger;
}

/** The stack a pushed view joins: the view the trigger came from, else the user's latest modal. */
function stackFor(ws: Workspace, viewId: string | undefined, user: string | undefined): StoredView[] {
  const from = viewId ? ws.view(viewId) : undefined;
  const modals = ws.views().filter((v) => v.type === "modal" && (user === undefined || v.user === user));
  const root = from?.rootViewId ?? modals.at(-1)?.rootViewId;
  if (!root) throw new SlackApiFailure("not_found");
  return ws.stack(root);
}

function checkHash(current: StoredView, hash: string | undefined): void {
  if (hash !== undefined && hash !== current.hash) throw new SlackApiFailure("hash_conflict");
}

export const viewMethods: Readonly<Record<string, MethodHandler>> = {
  "views.open": (args, ws) => {
    const a = parseWith(OpenArgs, args);
    // Checked before the trigger is used, so a bad view does not burn it.
    enforceLimits("modal", a.view, "/view", "invalid_arguments");
    assertUniqueExternalId(ws, a.view.external_id);
    const trigger = useTrigger(ws, a.trigger_id);
    const id = ws.nextId("V");
    const view = storeView(ws, a.view, { id, rootViewId: id, previousViewId: null, user: trigger.user });
    ws.emit({ type: "view", action: "opened", view });
    return { ok: true, view: view.json };
  },

  "views.push": (args, ws) => {
    const a = parseWith(OpenArgs, args);
    enforceLimits("modal", a.view, "/view", "invalid_arguments");
    assertUniqueExternalId(ws, a.view.external_id);
    const trigger = useTrigger(ws, a.trigger_id);
    const stack = stackFor(ws, trigger.viewId, trigger.user);
    const top = stack.at(-1);
    if (!top || stack.length >= MAX_STACK) throw new SlackApiFailure("push_limit_reached");
    const at = { id: ws.nextId("V"), rootViewId: top.rootViewId, previousViewId: top.id, user: top.user };
    const view = storeView(ws, a.view, at);
    ws.emit({ type: "view", action: "pushed", view });
    return { ok: true, view: view.json };
  },

  "views.update": (args, ws) => {
    const a = parseWith(UpdateArgs, args);
    const current = a.view_id ? ws.view(a.view_id) : ws.viewByExternalId(a.external_id ?? "");
    if (!current) throw new SlackApiFailure("not_found");
    checkHash(current, a.hash);
    if (a.view.type !== current.type) throw new SlackApiFailure("invalid_arguments");
    enforceLimits(a.view.type, a.view, "/view", "invalid_arguments");
    assertUniqueExternalId(ws, a.view.external_id, current.id);
    const view = storeView(ws, a.view, current);
    ws.emit({ type: "view", action: "updated", view });
    return { ok: true, view: view.json };
  },

  "views.publish": (args, ws) => {
    const a = parseWith(PublishArgs, args);
    if (ws.users.size > 0 && !ws.users.has(a.user_id)) throw new SlackApiFailure("user_not_found");
    enforceLimits("home", a.view, "/view", "invalid_arguments");
    const current = ws.views().find((v) => v.type === "home" && v.user === a.user_id);
    if (current) checkHash(current, a.hash);
    const id = current?.id ?? ws.nextId("V");
    const view = storeView(ws, a.view, { id, rootViewId: id, previousViewId: null, user: a.user_id });
    ws.emit({ type: "view", action: "published", view });
    return { ok: true, view: view.json };
  },
};
