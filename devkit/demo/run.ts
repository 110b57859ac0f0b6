import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import pino, { type DestinationStream } from "pino";
import { parseLine } from "./commands.js";
import { Session } from "./session.js";
import { DEMO_CHANNEL, type DemoStack, startDemoStack } from "./stack.js";
import { styleFor } from "./style.js";

/**
 * The console loop: lines from `input` (a terminal with a prompt, or a pipe for scripts), one at a time,
 * each followed by the bot's answer to it; updates of the operations it follows print as they come
 * (above the prompt in a terminal). Streams are parameters so tests drive it in-process; `main.ts` passes
 * stdin and stdout.
 */

export interface DemoOptions {
  readonly input: Readable & { readonly isTTY?: boolean };
  readonly output: Writable & { readonly isTTY?: boolean };
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where the bot's logs go; default a file, `logFile`. */
  readonly logDestination?: DestinationStream;
  /** The log file when no destination is given; default `opsbot-demo-<pid>.log` in the temp folder. */
  readonly logFile?: string;
  /** Quiet time that counts as settled (default 300 ms). */
  readonly quietMs?: number;
}

/** Resolves to the exit code once the input ends or `quit` is typed, with everything shut down. */
export async function runDemo(options: DemoOptions): Promise<number> {
  const { input, output } = options;
  const interactive = input.isTTY === true && output.isTTY === true;
  const style = styleFor(output);
  // Logs go to a file: the bot logs every refused backend call, and those lines would break up the
  // transcript in a terminal as much as in a pipe.
  const logFile = options.logDestination
    ? undefined
    : (options.logFile ?? join(tmpdir(), `opsbot-demo-${process.pid}.log`));
  const stack: DemoStack = await startDemoStack({
    ...(options.env ? { env: options.env } : {}),
    logDestination: options.logDestination ?? pino.destination({ dest: logFile, sync: true, mkdir: true }),
  });
  const rl = createInterface({ input, output, terminal: interactive });
  let busy = true;
  // Something the bot posts late (a follow-up) while the prompt waits is printed above the prompt.
  const write = (text: string) => {
    if (interactive && !busy) {
      output.write(`\r\u001b[K${text}`);
      rl.prompt(true);
    } else output.write(text);
  };
  const session = new Session(stack, {
    write,
    style,
    ...(options.quietMs === undefined ? {} : { quietMs: options.quietMs }),
  });
  const prompt = () => `${session.actor.name}> `;
  write(
    `${style.bold("opsbot demo")}: the bot, a Slack stand-in and the Calyptia, Deploy and Orchestration simulators run here.\n` +
      style.dim(
        `You are @${session.actor.name} in #${DEMO_CHANNEL.name}. Try /ops help, /ops namespace list, /ops port create; type help for the console's commands, seeds for IDs to use.\n`,
      ) +
      (logFile ? style.dim(`The bot's logs go to ${logFile}\n`) : ""),
  );
  rl.on("SIGINT", () => rl.close());
  try {
    rl.setPrompt(prompt());
    busy = false;
    if (interactive) rl.prompt();
    for await (const line of rl) {
      busy = true;
      // A piped script is echoed, so the transcript reads like the session it was.
      if (!interactive && line.trim() !== "") output.write(`${style.dim(prompt())}${line}\n`);
      const outcome = await session.execute(parseLine(line));
      if (outcome === "quit") break;
      rl.setPrompt(prompt());
      busy = false;
      if (interactive) rl.prompt();
    }
    busy = true;
    session.noteUnfinished();
  } finally {
    busy = true;
    rl.close();
    session.detach();
    await stack.close();
  }
  output.write(style.dim("bye\n"));
  return 0;
}
