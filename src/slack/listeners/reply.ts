import type { ReplyMessage, ReplyTarget } from "../../core/ports.js";

/** The two private ways back to one person, both through the outbox. */
export interface Replies {
  /** A post to the response URL Slack gave with a command, click or form (30 minutes, 5 uses). */
  respond(responseUrl: string, message: ReplyMessage): Promise<void>;
  /** A message only `user` sees in `channel` (when there is no response URL, e.g. a form from a shortcut). */
  ephemeral(message: {
    channel: string;
    user: string;
    text: string;
    blocks?: readonly unknown[];
  }): Promise<void>;
}

/**
 * Where one request's answers go: its response URL when Slack gave one (it works without opsbot being
 * in the channel), otherwise an ephemeral message in the channel.
 */
export function replyTarget(
  replies: Replies,
  to: { readonly channelId: string; readonly userId: string; readonly responseUrl?: string | undefined },
): ReplyTarget {
  const { channelId, userId, responseUrl } = to;
  return {
    channelId,
    userId,
    respond: (message) =>
      responseUrl
        ? replies.respond(responseUrl, message)
        : replies.ephemeral({
            channel: channelId,
            user: userId,
            text: message.text,
            ...(message.blocks ? { blocks: message.blocks } : {}),
          }),
  };
}

/** A private line to the person who clicked, never replacing the message they clicked on. */
export function teller(replies: Replies, responseUrl: string | undefined, onError: (error: unknown) => void) {
  return async (text: string): Promise<void> => {
    if (!responseUrl) return;
    await replies
      .respond(responseUrl, { response_type: "ephemeral", replace_original: false, text })
      .catch(onError);
  };
}
