import { createServer } from "node:net";
import { errorCodeOf, StartupFailure } from "./failure.js";

/**
 * Whether the port can be listened on, by listening on it (every interface, as the receivers do) and
 * letting go. Done before the bot starts: in Socket Mode, Bolt's server reports a busy port as an
 * `error` event nobody handles, which ends the process with a stack trace.
 */
export async function checkPortFree(port: number): Promise<void> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, resolve);
    });
  } catch (error) {
    throw listenFailure(port, error) ?? error;
  }
  await new Promise((resolve) => server.close(resolve));
}

/** A failure to listen on PORT, as a StartupFailure; undefined for an error that is not one. */
export function listenFailure(port: number, error: unknown): StartupFailure | undefined {
  const code = errorCodeOf(error);
  const what = `PORT ${port}`;
  if (code === "EADDRINUSE")
    return new StartupFailure(
      what,
      "another process is already listening on it (EADDRINUSE)",
      "Stop that process (perhaps another opsbot), or set PORT to a free port",
    );
  if (code === "EACCES")
    return new StartupFailure(
      what,
      "this user may not listen on it (EACCES)",
      "Use a port above 1023, or give the process the right to bind low ports",
    );
  if (code === "EADDRNOTAVAIL")
    return new StartupFailure(
      what,
      "no address of this host can take it (EADDRNOTAVAIL)",
      "Check the host's network set-up",
    );
  return undefined;
}
