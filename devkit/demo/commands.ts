/** The console's own small language: one line in, one command out. Pure, so it is tested on its own. */

export type ConsoleCommand =
  | { readonly kind: "empty" }
  | { readonly kind: "slash"; readonly command: string; readonly text: string }
  | { readonly kind: "click"; readonly target: string }
  | { readonly kind: "submit"; readonly fields: readonly (readonly [string, string])[] }
  | { readonly kind: "select"; readonly field: string; readonly query: string }
  | { readonly kind: "close" }
  | { readonly kind: "as"; readonly who: string }
  /** Seconds to let pass; without them, until nothing is followed any more. */
  | { readonly kind: "wait"; readonly seconds?: number }
  | { readonly kind: "help" }
  | { readonly kind: "seeds" }
  | { readonly kind: "quit" }
  | { readonly kind: "error"; readonly message: string };

export const HELP = `Commands:
  /ops <text>              run a slash command as the current user (try /ops help)
  click <n | button text>  click a button shown above ([n] in the transcript)
  submit field=value …     submit the open modal; field is the argument name or block_id;
                           quote values with spaces ("a b"), \\n starts a new line
  select <field> [text]    list what an external select offers for text
  close                    close the open modal without submitting
  as alice | bob | <Uid>   switch the current user
  wait [seconds]           let time pass: until what is followed has finished, or
                           that many seconds (» marks what arrives on its own)
  seeds                    IDs the simulators hold, and commands to try
  help                     this list
  quit                     stop everything (so does end of input)
Lines starting with # are comments.`;

/** Splits on spaces, keeping quoted parts ("…" or '…') together; `\n` in a value is a newline. */
export function splitWords(text: string): { ok: true; words: string[] } | { ok: false; message: string } {
  const words: string[] = [];
  let current = "";
  let quote: string | undefined;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === "\\" && i + 1 < text.length) {
      const next = text.charAt(++i);
      current += next === "n" ? "\n" : next;
      inWord = true;
    } else if (quote) {
      if (c === quote) quote = undefined;
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (quote) return { ok: false, message: `missing closing ${quote}` };
  if (inWord) words.push(current);
  return { ok: true, words };
}

export function parseLine(line: string): ConsoleCommand {
  const trimmed = line.trim();
  if (trimmed === "" || trimmed.startsWith("#")) return { kind: "empty" };
  if (trimmed.startsWith("/")) {
    const space = trimmed.search(/\s/);
    return space < 0
      ? { kind: "slash", command: trimmed, text: "" }
      : { kind: "slash", command: trimmed.slice(0, space), text: trimmed.slice(space + 1).trim() };
  }
  const [verb = "", ...rest] = trimmed.split(/\s+/);
  const argument = trimmed.slice(verb.length).trim();
  switch (verb.toLowerCase()) {
    case "click":
      return argument
        ? { kind: "click", target: argument }
        : { kind: "error", message: "click what? click 1" };
    case "submit":
      return submit(argument);
    case "select": {
      const [field, ...query] = rest;
      return field
        ? { kind: "select", field, query: query.join(" ") }
        : { kind: "error", message: "select which field? select namespace" };
    }
    case "close":
      return { kind: "close" };
    case "as":
      return argument ? { kind: "as", who: argument } : { kind: "error", message: "as whom? as bob" };
    case "wait": {
      if (argument === "") return { kind: "wait" };
      const seconds = Number(argument);
      return Number.isFinite(seconds) && seconds >= 0 && seconds <= 600
        ? { kind: "wait", seconds }
        : { kind: "error", message: "wait takes seconds, e.g. wait 5" };
    }
    case "help":
    case "?":
      return { kind: "help" };
    case "seeds":
      return { kind: "seeds" };
    case "quit":
    case "exit":
      return { kind: "quit" };
    default:
      return { kind: "error", message: `unknown command ${verb}: type help` };
  }
}

function submit(argument: string): ConsoleCommand {
  const split = splitWords(argument);
  if (!split.ok) return { kind: "error", message: split.message };
  const fields: (readonly [string, string])[] = [];
  for (const word of split.words) {
    const eq = word.indexOf("=");
    if (eq <= 0) return { kind: "error", message: `expected field=value, got ${word}` };
    fields.push([word.slice(0, eq), word.slice(eq + 1)]);
  }
  return { kind: "submit", fields };
}
