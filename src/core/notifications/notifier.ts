import type { Logger } from "pino";
import type { SubscriptionStore } from "../../store/types.js";
import { type NotificationEvent, notificationChannels, type Policy } from "../policy/policy.js";
import type { SlackPoster } from "../ports.js";

/**
 * Routes events to channels: those the permissions file names, and those subscribed from Slack
 * (`/ops subscribe`). A notification that cannot be posted is logged, never fatal to what caused it.
 */
export class Notifier {
  constructor(
    private readonly poster: Pick<SlackPoster, "post">,
    private readonly policy: Policy,
    private readonly subscriptions: SubscriptionStore,
    private readonly logger: Logger,
  ) {}

  async channelsFor(event: NotificationEvent): Promise<string[]> {
    const stored = await this.subscriptions.channelsFor(event).catch(() => [] as string[]);
    return [...new Set([...notificationChannels(this.policy, event), ...stored])];
  }

  /** Posts `text` to every channel routed for `event`, except those already told (`except`). */
  async notify(event: NotificationEvent, text: string, except: readonly string[] = []): Promise<void> {
    for (const channel of await this.channelsFor(event)) {
      if (except.includes(channel)) continue;
      await this.poster
        .post({ channel, text })
        .catch((error: unknown) =>
          this.logger.warn({ err: error, channel, event }, "a notification could not be posted"),
        );
    }
  }
}
