import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import type { ViewsOpenArguments, WebClient } from "@slack/web-api";
import { errorMessage, refusal } from "../../../blocks/errors.js";
import { ACTION, actionPattern, decodeOperationValue, type OperationValue } from "../../../blocks/ids.js";
import { operationModal } from "../../../blocks/modals.js";
import { type AnyOperation, commandWords } from "../../../catalogue/define.js";
import { usageOf } from "../../../catalogue/parse.js";
import { describeIssues, type RawArgs, validateArgs } from "../../../catalogue/validate.js";
import type { ReplyTarget } from "../../../core/ports.js";
import { ephemeral } from "../../../core/reply.js";
import type { ListenerDeps } from "../deps.js";
import { encodeModalMetadata } from "../modal-metadata.js";
import { openModal } from "../open-modal.js";
import { replyTarget } from "../reply.js";

/**
 * Buttons under opsbot's messages. Each carries an operation and its arguments as typed (ids.ts); the
 * value comes back from Slack, so it is decoded, looked up and validated again, and the operation runs
 * as the person who clicked, never as the one who posted the message.
 */
export function register(app: App, deps: ListenerDeps): void {
  const listen = (action: string, handle: (click: Click) => Promise<void>) =>
    app.action<BlockAction<ButtonAction>>(
      actionPattern(action),
      async ({ ack, body, action: button, client }) => {
        await ack();
        const channelId = body.channel?.id ?? body.container?.channel_id;
        const reply = replyTarget(deps.replies, {
          channelId: typeof channelId === "string" ? channelId : "",
          userId: body.user.id,
          responseUrl: body.response_url,
        });
        const click = readClick(deps, body, button.value, client, reply);
        if ("problem" in click) {
          await reply.respond(ephemeral(errorMessage(click.problem))).catch(() => undefined);
          return;
        }
        await handle(click).catch(async (error: unknown) => {
          deps.logger.error({ err: error, action }, "button handler failed");
          await reply
            .respond(ephemeral(errorMessage("opsbot could not finish that click.")))
            .catch(() => undefined);
        });
      },
    );

  // Prev/Next under a list: the same read again, another page, in place of the message clicked.
  for (const pager of [ACTION.pageNext, ACTION.pagePrev])
    listen(pager, async (click) => {
      if (click.operation.risk !== "read") {
        await click.target.respond(ephemeral(errorMessage("Only lists have pages.")));
        return;
      }
      const args = await validated(click);
      if (!args) return;
      await deps.core.invoke({
        operation: click.operation,
        args,
        raw: click.value.args,
        force: false,
        reply: {
          ...click.target,
          respond: (message) => click.target.respond({ ...message, replace_original: true }),
        },
        page: click.value.page ?? 0,
      });
    });

  listen(ACTION.runOperation, async (click) => {
    const args = await validated(click);
    if (!args) return;
    await deps.core.invoke({
      operation: click.operation,
      args,
      raw: click.value.args,
      force: false,
      reply: click.target,
    });
  });

  // Opens the operation's modal, prefilled. A loaded configuration is fetched after the modal is open:
  // the trigger_id expires in 3 s, so the modal shows a loading state first.
  listen(ACTION.openModal, async (click) => {
    const triggerId = click.triggerId;
    if (!triggerId) throw new Error("block_actions without a trigger_id");
    // Checked before the form opens (and again on submission), so nobody fills in a form for nothing.
    const permission = await deps.core.quickCheck(
      click.target.userId,
      click.target.channelId,
      click.operation.id,
    );
    if (!permission.allowed) {
      await click.target.respond(ephemeral(refusal(permission.message)));
      return;
    }
    const privateMetadata = encodeModalMetadata({
      operationId: click.operation.id,
      channelId: click.target.channelId,
      ...(click.responseUrl ? { responseUrl: click.responseUrl } : {}),
    });
    const { loaded } = click.value;
    const open = (view: ViewsOpenArguments["view"]) =>
      openModal({
        client: click.client,
        triggerId,
        view,
        respond: click.target.respond,
        logger: deps.logger,
        instead: `Click again, or type it: ${usageOf(click.operation)}`,
      });
    if (!loaded) {
      await open(operationModal(click.operation, { prefill: click.value.args, privateMetadata }));
      return;
    }
    const opened = await open(operationModal(click.operation, { loading: true, privateMetadata }));
    if (!opened) return;
    const viewId = opened.id;
    const fetched = await deps.core.loadedConfiguration(loaded, click.target);
    const prefill: RawArgs = fetched.ok
      ? { ...click.value.args, configuration: fetched.configuration }
      : click.value.args;
    await click.client.views.update({
      view_id: viewId,
      // The hash makes Slack refuse this update if the user already moved on (closed or changed it).
      ...(opened.hash ? { hash: opened.hash } : {}),
      view: operationModal(click.operation, {
        prefill,
        privateMetadata,
        ...(fetched.ok ? {} : { errors: [{ arg: "configuration", message: fetched.problem }] }),
      }),
    });
  });
}

interface Click {
  readonly deps: ListenerDeps;
  readonly operation: AnyOperation;
  readonly value: OperationValue;
  readonly target: ReplyTarget;
  readonly client: WebClient;
  readonly triggerId?: string;
  readonly responseUrl?: string;
}

function readClick(
  deps: ListenerDeps,
  body: BlockAction,
  rawValue: string | undefined,
  client: WebClient,
  target: ReplyTarget,
): Click | { problem: string } {
  const value = decodeOperationValue(rawValue);
  const operation = value ? deps.catalogue.byId(value.operationId) : undefined;
  const channelId = body.channel?.id ?? body.container?.channel_id;
  if (!value || !operation) return { problem: "This button is out of date: run the command again." };
  if (typeof channelId !== "string") return { problem: "This button only works in a channel." };
  return {
    deps,
    operation,
    value,
    client,
    target,
    ...(body.trigger_id ? { triggerId: body.trigger_id } : {}),
    ...(body.response_url ? { responseUrl: body.response_url } : {}),
  };
}

/** The click's arguments through the same validation as a typed command; problems are said privately. */
async function validated(click: Click): Promise<Record<string, unknown> | undefined> {
  const validation = validateArgs(click.operation, click.value.args, click.deps.defaults);
  if (validation.ok) return validation.args;
  const problems = describeIssues(click.operation, validation.issues);
  await click.target.respond(
    ephemeral(errorMessage(`This button cannot run \`${commandWords(click.operation)}\`: ${problems}.`)),
  );
  return undefined;
}
