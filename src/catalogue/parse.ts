import { type Catalogue, closest, FORCE_FLAG } from "./catalogue.js";
import { type AnyOperation, argWord, commandWords, flagName, isOptional } from "./define.js";
import type { RawArgs } from "./validate.js";

/** Words of a command line after tokenizing: positionals in order, flags by name with every value given. */
export interface Tokens {
  readonly positionals: readonly string[];
  readonly flags: ReadonlyMap<string, readonly string[]>;
}

/** The parser's own word: help is the catalogue's index, answered at once without running anything. */
export const HELP = "help";

export type ParsedCommand =
  | { readonly kind: "empty" }
  | { readonly kind: "help"; readonly topic?: string; readonly verb?: string }
  | {
      readonly kind: "operation";
      readonly operation: AnyOperation;
      readonly raw: RawArgs;
      /** `--force`: run despite a change freeze (admins only, always through an approval). */
      readonly force: boolean;
      /** Nothing typed after the operation's name: a change then opens its form rather than running. */
      readonly bare: boolean;
      /** Said with the result: a flag typed in a former spelling, and the current one. */
      readonly hints?: readonly string[];
    }
  | { readonly kind: "error"; readonly message: string; readonly usage?: string };

/**
 * Maps `/ops <resource> <verb> [args] [--flags]` onto an operation. Arguments are not validated here
 * (see validate.ts), so that a command with missing arguments can still open a prefilled modal.
 */
export function parseCommand(catalogue: Catalogue, tokens: Tokens): ParsedCommand {
  const [first, second, ...rest] = tokens.positionals;
  if (first === undefined) return tokens.flags.size > 0 ? unknownFlag(tokens) : { kind: "empty" };
  const resource = first.toLowerCase();
  if (resource === HELP) {
    if (!second) return { kind: "help" };
    const verb = rest[0];
    return verb
      ? { kind: "help", topic: second.toLowerCase(), verb: verb.toLowerCase() }
      : { kind: "help", topic: second.toLowerCase() };
  }
  const command = catalogue.command(resource);
  if (command) return withArguments(command, tokens.positionals.slice(1), tokens);

  if (!catalogue.resources.includes(resource)) {
    // A verb typed first (`/ops deploy`) is answered with the commands that do it, before any resource
    // that merely looks alike (`deployment`, whose only verb is delete).
    const commands = commandsDoing(catalogue, resource);
    const guess = closest(resource, [...catalogue.resources, ...topWords(catalogue)]);
    const hint =
      commands.length > 0
        ? ` Did you mean ${orList(commands.map((c) => `\`${c}\``))}?`
        : guess
          ? ` Did you mean \`${guess}\`?`
          : "";
    return { kind: "error", message: `Unknown resource \`${first}\`.${hint} Try \`/ops help\`.` };
  }
  const verbs = catalogue.verbsOf(resource);
  if (second === undefined)
    return {
      kind: "error",
      message: `Say what to do with \`${resource}\`: ${verbs.map((v) => `\`${v}\``).join(", ")}.`,
    };
  const verb = second.toLowerCase();
  const operation = catalogue.find(resource, verb);
  if (!operation) {
    const guess = closest(verb, verbs);
    return {
      kind: "error",
      message: `\`${resource}\` has no verb \`${second}\`.${guess ? ` Did you mean \`${guess}\`?` : ""} Verbs: ${verbs.map((v) => `\`${v}\``).join(", ")}.`,
    };
  }
  return withArguments(operation, rest, tokens);
}

/** Words typed for a verb that the catalogue calls otherwise: deploying a pipeline is running it. */
// A Map, not an object: the word is typed text, and `__proto__` must find nothing.
const VERB_WORDS: ReadonlyMap<string, readonly string[]> = new Map([
  ["deploy", ["deploy", "run"]],
  ["run", ["run", "deploy"]],
  ["start", ["deploy", "run"]],
  ["launch", ["deploy", "run"]],
  ["stop", ["kill"]],
  ["remove", ["delete"]],
  ["rm", ["delete"]],
  ["ls", ["list"]],
  ["show", ["get", "state"]],
  ["status", ["state"]],
]);
const MAX_COMMAND_GUESSES = 4;

/** `a`, `a or b`, `a, b or c`. */
function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

/** `resource verb` of the operations a verb typed alone may mean (`deploy` → `task deploy`, `pipeline run`). */
function commandsDoing(catalogue: Catalogue, word: string): string[] {
  const verbs = VERB_WORDS.get(word) ?? [word];
  const found = catalogue.operations
    .filter((o) => o.verb && verbs.includes(o.verb))
    .sort((a, b) => verbs.indexOf(a.verb) - verbs.indexOf(b.verb))
    .map((o) => commandWords(o));
  return found.slice(0, MAX_COMMAND_GUESSES);
}

/** Every name a permissions file may use: each operation's, and help's. */
export function knownOperationIds(catalogue: Catalogue): string[] {
  return [...catalogue.operations.map((o) => o.id), HELP];
}

/** The words a command line may start with besides resources: help and opsbot's own commands. */
export function topWords(catalogue: Catalogue): string[] {
  return [HELP, ...catalogue.commands.map((c) => c.id)];
}

/** The positionals after the operation's name and the flags, as the operation's raw arguments. */
function withArguments(operation: AnyOperation, rest: readonly string[], tokens: Tokens): ParsedCommand {
  const raw: Record<string, string | string[]> = {};
  const positionalNames = Object.entries(operation.args)
    .filter(([, def]) => def.positional)
    .map(([name]) => name);
  if (rest.length > positionalNames.length)
    return {
      kind: "error",
      message: `Too many arguments: \`${rest.slice(positionalNames.length).join(" ")}\` was not expected.`,
      usage: usageOf(operation),
    };
  rest.forEach((value, i) => {
    const name = positionalNames[i];
    if (name) raw[name] = value;
  });

  const byFlag = new Map(Object.entries(operation.args).map(([name, def]) => [flagName(name, def), name]));
  const formerly = new Map(
    Object.entries(operation.args).flatMap(([name, def]) => (def.formerly ?? []).map((old) => [old, name])),
  );
  const hints: string[] = [];
  let force = false;
  for (const [flag, values] of tokens.flags) {
    if (flag.toLowerCase() === FORCE_FLAG) {
      const yes = values.length === 1 ? yesNo(values[0] ?? "") : undefined;
      if (yes === undefined || operation.risk === "read")
        return {
          kind: "error",
          message:
            operation.risk === "read"
              ? "`--force` is for changes on a locked target; reads are never locked."
              : "`--force` takes no value (or yes/no), once.",
          usage: usageOf(operation),
        };
      force = yes;
      continue;
    }
    const former = formerly.get(flag.toLowerCase());
    const def = former === undefined ? undefined : operation.args[former];
    if (former !== undefined && def)
      hints.push(`\`--${flag.toLowerCase()}\` is now \`--${flagName(former, def)}\`.`);
    const name = byFlag.get(flag.toLowerCase()) ?? former;
    if (!name) {
      const guess = closest(flag, [...byFlag.keys()]);
      return {
        kind: "error",
        message: `\`${commandWords(operation)}\` has no flag \`--${flag}\`.${guess ? ` Did you mean \`--${guess}\`?` : ""}`,
        usage: usageOf(operation),
      };
    }
    if (raw[name] !== undefined)
      return {
        kind: "error",
        message: `\`--${flag}\` gives \`${argWord(name, operation.args[name])}\` a second time.`,
        usage: usageOf(operation),
      };
    raw[name] = [...values];
  }
  return {
    kind: "operation",
    operation,
    raw,
    force,
    bare: rest.length === 0 && tokens.flags.size === 0,
    ...(hints.length > 0 ? { hints } : {}),
  };
}

function yesNo(value: string): boolean | undefined {
  if (/^(true|yes|y|on|1)$/i.test(value.trim())) return true;
  if (/^(false|no|n|off|0)$/i.test(value.trim())) return false;
  return undefined;
}

function unknownFlag(tokens: Tokens): ParsedCommand {
  const [flag] = tokens.flags.keys();
  return {
    kind: "error",
    message: `Start with a resource before flags like \`--${flag}\`. Try \`/ops help\`.`,
  };
}

/** `/ops task deploy <repository> <directory> [--name <name>] …`; a yes/no flag stands alone (`[--force-delete]`). */
export function usageOf(operation: AnyOperation): string {
  const parts = [`/ops ${commandWords(operation)}`];
  for (const [name, def] of Object.entries(operation.args)) {
    const placeholder = def.choices ? def.choices.join("|") : name;
    const optional = isOptional(def);
    const flag = `--${flagName(name, def)}`;
    const word = def.positional
      ? `<${placeholder}>`
      : def.input === "boolean"
        ? flag
        : `${flag} <${placeholder}>`;
    const shown = def.repeatable ? `${word} …` : word;
    parts.push(optional ? `[${shown}]` : shown);
  }
  return parts.join(" ");
}

/**
 * The command line that gives these arguments (the parser's inverse): what an approval request shows so
 * approvers read exactly what will run. Values with spaces or quotes are double-quoted.
 */
export function commandLineOf(operation: AnyOperation, raw: RawArgs): string {
  const parts = [`/ops ${commandWords(operation)}`];
  const quote = (value: string) =>
    value === "" || value.startsWith("-") || /[\s"'“”‘’\\]/.test(value)
      ? `"${value.replace(/(["\\])/g, "\\$1")}"`
      : value;
  for (const [name, def] of Object.entries(operation.args)) {
    const value = raw[name];
    if (value === undefined) continue;
    const values = typeof value === "string" ? [value] : value;
    // A yes/no flag may stand alone, so its value is attached: `--force yes` could read as a positional.
    const join = def.input === "boolean" ? "=" : " ";
    for (const text of values)
      parts.push(def.positional ? quote(text) : `--${flagName(name, def)}${join}${quote(text)}`);
  }
  return parts.join(" ");
}
