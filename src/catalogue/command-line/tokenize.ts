import { decodeEntityAt, decodeSlackEscapeAt } from "./slack-text.js";

/**
 * Splits `/ops` command text into positionals and flags:
 *   `<resource> <verb> [arguments] [--flag value | --flag=value] [-- more positionals]`
 *
 * Rules, chosen for text typed into Slack rather than a shell:
 * - Words are separated by any Unicode whitespace (Slack clients insert no-break spaces) and U+200B.
 * - "…" quotes may start anywhere in a word and allow `\"` and `\\` escapes; other backslashes stay
 *   as typed, so Windows paths and regexes survive. “…” (and „…”) are the smart-quote form Slack
 *   clients substitute; inside them a straight " is literal, and the other way round.
 * - '…' and ‘…’ quote only at the start of a word or right after `=`, and close only before
 *   whitespace or the end, so apostrophes in "don’t" or 'it’s fine' are just letters. No escapes.
 * - A word is a flag only if it begins with an unquoted `--` (or the `—` macOS makes of it):
 *   `"--force"` is a value, never a flag.
 *   `--` alone ends the flags. Repeated flags keep every value, in order. Names are lower-cased.
 * - Slack escapes (`<@U1|name>`, `<#C1|name>`, `<mailto:a@b|a@b>`, `<https://x|x>`) become the raw
 *   ID, address or URL, and `&amp; &lt; &gt;` the characters, all taken literally.
 */

export const MAX_COMMAND_LENGTH = 4000;

export type CommandSyntaxCode =
  | "input_too_long"
  | "unterminated_quote"
  | "missing_flag_value"
  | "empty_flag_name"
  | "invalid_flag_name";

export class CommandSyntaxError extends Error {
  constructor(
    readonly code: CommandSyntaxCode,
    message: string,
    /** 0-based index into the command text. */
    readonly position: number,
  ) {
    super(message);
    this.name = "CommandSyntaxError";
  }
}

export interface CommandTokens {
  readonly positionals: readonly string[];
  readonly flags: ReadonlyMap<string, readonly string[]>;
}

export type TokenizeResult =
  | { readonly ok: true; readonly tokens: CommandTokens }
  | { readonly ok: false; readonly error: CommandSyntaxError };

export interface TokenizeOptions {
  /** Flags that take no value (`--force`); written `--force=false` they still take one. */
  readonly booleanFlags?: Iterable<string>;
  readonly maxLength?: number;
}

const STRAIGHT_DOUBLE = '"';
const SMART_DOUBLE = new Set(["“", "”", "„"]);
const SINGLE = new Set(["'", "‘", "’"]);
const FLAG_NAME = /^[a-z0-9][a-z0-9_.-]*$/i;

interface Word {
  readonly text: string;
  readonly raw: string;
  readonly start: number;
  /** Length of the unquoted flag marker the word starts with (`--`, or `—`), 0 for none. */
  readonly prefix: number;
  /** Index in `text` of the first unquoted `=`, or -1. */
  readonly eq: number;
}

export function tokenize(input: string, options: TokenizeOptions = {}): TokenizeResult {
  try {
    return { ok: true, tokens: tokenizeOrThrow(input, options) };
  } catch (err) {
    if (err instanceof CommandSyntaxError) return { ok: false, error: err };
    throw err;
  }
}

export function tokenizeOrThrow(input: string, options: TokenizeOptions = {}): CommandTokens {
  const max = options.maxLength ?? MAX_COMMAND_LENGTH;
  if (input.length > max) {
    throw new CommandSyntaxError(
      "input_too_long",
      `The command is ${input.length} characters long; the limit is ${max}.`,
      max,
    );
  }
  return group(lex(input), new Set([...(options.booleanFlags ?? [])].map((f) => f.toLowerCase())));
}

function group(words: readonly Word[], booleanFlags: ReadonlySet<string>): CommandTokens {
  const positionals: string[] = [];
  const flags = new Map<string, string[]>();
  let flagsEnded = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (!word) break;
    if (flagsEnded || word.prefix === 0) {
      positionals.push(word.text);
      continue;
    }
    if (word.raw.length === word.prefix) {
      flagsEnded = true;
      continue;
    }
    const rawName = word.eq < 0 ? word.text.slice(word.prefix) : word.text.slice(word.prefix, word.eq);
    const name = checkFlagName(rawName, word.start);
    let value: string;
    if (word.eq >= 0) {
      value = word.text.slice(word.eq + 1);
    } else if (booleanFlags.has(name)) {
      value = "true";
    } else {
      const next = words[i + 1];
      if (!next || next.prefix > 0) {
        throw new CommandSyntaxError(
          "missing_flag_value",
          `The flag --${name} needs a value: write --${name} <value> or --${name}=<value>.`,
          word.start,
        );
      }
      value = next.text;
      i++;
    }
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return { positionals, flags };
}

function checkFlagName(rawName: string, position: number): string {
  if (rawName === "") {
    throw new CommandSyntaxError(
      "empty_flag_name",
      `The flag at column ${position + 1} has no name.`,
      position,
    );
  }
  if (!FLAG_NAME.test(rawName)) {
    throw new CommandSyntaxError(
      "invalid_flag_name",
      `"--${rawName}" is not a valid flag name: use letters, digits, "-", "_" and ".".`,
      position,
    );
  }
  return rawName.toLowerCase();
}

/**
 * macOS turns a typed `--` into an em dash unless "smart dashes" is off, and Slack passes it on, so
 * `—force` is read as `--force`.
 */
function flagPrefix(input: string, start: number): number {
  if (input.startsWith("--", start)) return 2;
  return input.startsWith("—", start) ? 1 : 0;
}

function isSpace(ch: string | undefined): boolean {
  return ch !== undefined && (/\s/.test(ch) || ch === "\u200b");
}

function lex(input: string): Word[] {
  const words: Word[] = [];
  let i = 0;
  while (i < input.length) {
    while (isSpace(input[i])) i++;
    if (i >= input.length) break;
    const start = i;
    let text = "";
    let eq = -1;
    let afterEq = false;
    while (i < input.length && !isSpace(input[i])) {
      const ch = input.charAt(i);
      const decoded = ch === "<" || ch === "&" ? decodeLiteral(input, i) : undefined;
      if (decoded) {
        text += decoded.text;
        i = decoded.end;
      } else if (ch === STRAIGHT_DOUBLE || SMART_DOUBLE.has(ch)) {
        const quoted = readDouble(input, i);
        text += quoted.text;
        i = quoted.end;
      } else if (SINGLE.has(ch) && (i === start || afterEq)) {
        const quoted = readSingle(input, i);
        text += quoted.text;
        i = quoted.end;
      } else {
        if (ch === "=" && eq < 0) eq = text.length;
        text += ch;
        i++;
      }
      afterEq = ch === "=" && !decoded;
    }
    words.push({ text, raw: input.slice(start, i), start, prefix: flagPrefix(input, start), eq });
  }
  return words;
}

function decodeLiteral(input: string, start: number) {
  return decodeSlackEscapeAt(input, start) ?? decodeEntityAt(input, start);
}

/** A double-quoted section opening at `open`; a straight quote closes only a straight one. */
function readDouble(input: string, open: number): { text: string; end: number } {
  const closes =
    input[open] === STRAIGHT_DOUBLE
      ? (c: string) => c === STRAIGHT_DOUBLE
      : (c: string) => SMART_DOUBLE.has(c);
  let text = "";
  let i = open + 1;
  while (i < input.length) {
    const ch = input.charAt(i);
    if (closes(ch)) return { text, end: i + 1 };
    const next = input[i + 1];
    if (
      ch === "\\" &&
      next !== undefined &&
      (next === "\\" || next === STRAIGHT_DOUBLE || SMART_DOUBLE.has(next))
    ) {
      text += next;
      i += 2;
      continue;
    }
    const decoded = ch === "<" || ch === "&" ? decodeLiteral(input, i) : undefined;
    text += decoded?.text ?? ch;
    i = decoded?.end ?? i + 1;
  }
  throw unterminated(input, open);
}

/** A single-quoted section: it ends at a single quote followed by whitespace or the end of input. */
function readSingle(input: string, open: number): { text: string; end: number } {
  let text = "";
  let i = open + 1;
  while (i < input.length) {
    const ch = input.charAt(i);
    if (SINGLE.has(ch) && (i + 1 === input.length || isSpace(input[i + 1]))) return { text, end: i + 1 };
    const decoded = ch === "<" || ch === "&" ? decodeLiteral(input, i) : undefined;
    text += decoded?.text ?? ch;
    i = decoded?.end ?? i + 1;
  }
  throw unterminated(input, open);
}

function unterminated(input: string, open: number): CommandSyntaxError {
  return new CommandSyntaxError(
    "unterminated_quote",
    `The quote ${input[open]} at column ${open + 1} is never closed.`,
    open,
  );
}
