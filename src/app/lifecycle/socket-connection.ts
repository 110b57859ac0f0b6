import type { Logger } from "pino";

/** The lifecycle events of @slack/socket-mode's SocketModeClient that say whether its WebSocket is open. */
export interface SocketLifecycle {
  on(event: string, listener: () => void): unknown;
}

/** `connected` follows Slack's `hello`; every other state means no envelope can arrive or be acked. */
const OPEN = "connected";
// `close` is the client's own event when its WebSocket is gone (it then waits before `reconnecting`).
const NOT_OPEN = ["connecting", "reconnecting", "disconnecting", "disconnected", "close"] as const;

/** Follows the Socket Mode connection, logging when it is lost and when it is back. */
export function followSocketConnection(client: SocketLifecycle, logger: Logger): { readonly open: boolean } {
  let open = false;
  let wasOpen = false;
  client.on(OPEN, () => {
    open = true;
    logger.info(
      wasOpen ? "Socket Mode connection to Slack restored" : "Socket Mode connection to Slack open",
    );
    wasOpen = true;
  });
  for (const event of NOT_OPEN)
    client.on(event, () => {
      // `disconnecting` is opsbot's own stop, nothing to warn about.
      if (open && event !== "disconnecting")
        logger.warn({ event }, "Socket Mode connection to Slack lost; the client reconnects");
      open = false;
    });
  return {
    get open() {
      return open;
    },
  };
}
