import { z } from "zod";
import { arg, defineOperation } from "../define.js";
import { NOTIFICATION_EVENTS } from "../events.js";
import type { Output } from "../output.js";

/** Where events go: `subscribe` a channel to one, `unsubscribe` it; `subscribe` alone lists the routes. */

const eventOptions = {
  label: "Event",
  hint: "What to tell the channel about",
  input: "select",
  choices: NOTIFICATION_EVENTS,
} as const;
const eventSchema = z.enum(NOTIFICATION_EVENTS, {
  error: `must be one of ${NOTIFICATION_EVENTS.join(", ")}`,
});
const channelArg = arg.positional(
  z
    .string()
    .regex(/^[CG][A-Z0-9]{2,}$/, "must be a channel mention (#ops)")
    .optional(),
  { label: "Channel", hint: "A channel mention; this channel when left empty", placeholder: "#ops" },
);

export const subscribe = defineOperation({
  id: "subscribe",
  resource: "subscribe",
  verb: "",
  summary: "Send an event to a channel (admins); alone, list where events go",
  risk: "write",
  backend: "opsbot",
  needsIdentity: false,
  args: { event: arg.positional(eventSchema.optional(), eventOptions), channel: channelArg },
  open: (args) => args.event === undefined,
  changes: (args) => args.event !== undefined,
  check: (args) =>
    args.event === undefined && args.channel !== undefined
      ? [{ arg: "event", message: "is required before a channel" }]
      : [],
  async run(ctx, args) {
    if (args.event === undefined) {
      const routes = [];
      for (const event of NOTIFICATION_EVENTS)
        routes.push({ event, channels: await ctx.opsbot.channelsFor(event) });
      return { routes };
    }
    const channelId = args.channel ?? ctx.actor.channelId;
    const changed = await ctx.opsbot.subscriptions.add({
      event: args.event,
      channelId,
      createdBy: ctx.actor.userId,
      createdAt: ctx.opsbot.now,
    });
    return { event: args.event, channelId, changed };
  },
  render(result): Output {
    if ("routes" in result)
      return {
        kind: "list",
        title: "Where events go",
        empty: "No events are routed.",
        items: result.routes.map((route) => ({
          title: route.event,
          fields:
            route.channels.length > 0
              ? route.channels.map((channel) => ({
                  label: "To",
                  value: channel,
                  mention: "channel" as const,
                }))
              : [{ label: "To", value: "nowhere" }],
        })),
      };
    return routeChanged(result, result.changed ? "Now sent to" : "Already sent to");
  },
});

export const unsubscribe = defineOperation({
  id: "unsubscribe",
  resource: "unsubscribe",
  verb: "",
  summary: "Stop sending an event to a channel (admins)",
  risk: "write",
  backend: "opsbot",
  needsIdentity: false,
  args: { event: arg.positional(eventSchema, eventOptions), channel: channelArg },
  async run(ctx, args) {
    const channelId = args.channel ?? ctx.actor.channelId;
    const changed = await ctx.opsbot.subscriptions.remove(args.event, channelId);
    return { event: args.event, channelId, changed };
  },
  render: (result) => routeChanged(result, result.changed ? "No longer sent to" : "Was not sent to"),
});

function routeChanged(result: { event: string; channelId: string; changed: boolean }, how: string): Output {
  return {
    kind: "record",
    title: `${result.event}: ${how.toLowerCase()} the channel`,
    tone: result.changed ? "success" : "info",
    fields: [
      { label: "Event", value: result.event, code: true },
      { label: how, value: result.channelId, mention: "channel" },
    ],
  };
}
