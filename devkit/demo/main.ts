import { runDemo } from "./run.js";

/**
 * `npm run demo`: the bot in a terminal, no Slack and no configuration. Type `/ops help`, or pipe a
 * script in (`echo '/ops help' | npm run demo`). The transcript goes to stdout, the bot's logs to a file
 * named at start.
 */
const code = await runDemo({ input: process.stdin, output: process.stdout, env: process.env });
// Everything is closed by now; exiting also ends anything a misbehaving library left scheduled.
process.exit(code);
