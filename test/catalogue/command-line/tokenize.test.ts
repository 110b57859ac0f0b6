import { describe, expect, it } from "vitest";
import {
  CommandSyntaxError,
  MAX_COMMAND_LENGTH,
  type TokenizeOptions,
  tokenize,
  tokenizeOrThrow,
} from "../../../src/catalogue/command-line/tokenize.js";

type Flags = Record<string, string[]>;

/** Tokens as plain data, so table rows stay readable. */
function tokens(text: string, options?: TokenizeOptions): [string[], Flags] {
  const t = tokenizeOrThrow(text, options);
  return [[...t.positionals], Object.fromEntries([...t.flags].map(([k, v]) => [k, [...v]]))];
}

function failure(text: string, options?: TokenizeOptions): { code: string; position: number } {
  const result = tokenize(text, options);
  if (result.ok) throw new Error(`expected ${JSON.stringify(text)} to fail`);
  return { code: result.error.code, position: result.error.position };
}

describe("tokenize: words and flags", () => {
  it.each<[string, string[], Flags]>([
    ["", [], {}],
    ["   ", [], {}],
    ["task list", ["task", "list"], {}],
    ["  task \t list\n", ["task", "list"], {}],
    ["task\u00a0list\u200bnow", ["task", "list", "now"], {}],
    ["task list --state failed", ["task", "list"], { state: ["failed"] }],
    ["task list --state=failed", ["task", "list"], { state: ["failed"] }],
    ["task list --State FAILED", ["task", "list"], { state: ["FAILED"] }],
    [
      "port create P1 --protocol tcp --frontend-port=8080 extra",
      ["port", "create", "P1", "extra"],
      {
        protocol: ["tcp"],
        "frontend-port": ["8080"],
      },
    ],
    ["x --selector a=b --selector c=d --selector=e=f", ["x"], { selector: ["a=b", "c=d", "e=f"] }],
    ["x --name=", ["x"], { name: [""] }],
    ['x --name ""', ["x"], { name: [""] }],
    ["x --offset -5", ["x"], { offset: ["-5"] }],
    ["x --a.b_c-d 1", ["x"], { "a.b_c-d": ["1"] }],
    ["log search -- --not-a-flag -x", ["log", "search", "--not-a-flag", "-x"], {}],
    ["log search --limit 5 -- --limit 6", ["log", "search", "--limit", "6"], { limit: ["5"] }],
  ])("%j", (text, positionals, flags) => {
    expect(tokens(text)).toEqual([positionals, flags]);
  });

  it("reads boolean flags without a value unless one is given with =", () => {
    const options = { booleanFlags: ["force", "DRY-RUN"] };
    expect(tokens("task delete --force T1 --dry-run", options)).toEqual([
      ["task", "delete", "T1"],
      { force: ["true"], "dry-run": ["true"] },
    ]);
    expect(tokens("task delete T1 --force=false", options)).toEqual([
      ["task", "delete", "T1"],
      { force: ["false"] },
    ]);
  });

  it("reads the em dash macOS makes of -- as a flag marker", () => {
    expect(tokens("task list —state failed —force", { booleanFlags: ["force"] })).toEqual([
      ["task", "list"],
      { state: ["failed"], force: ["true"] },
    ]);
  });
});

describe("tokenize: quoting", () => {
  it.each<[string, string[]]>([
    ['note "hello world"', ["note", "hello world"]],
    ["note 'hello world'", ["note", "hello world"]],
    ["note “smart double”", ["note", "smart double"]],
    ["note ‘smart single’", ["note", "smart single"]],
    ["note ”reversed smart”", ["note", "reversed smart"]],
    ["note „low-high“", ["note", "low-high"]],
    ['note "he said “hi”"', ["note", "he said “hi”"]],
    ['note “say "hi"”', ["note", 'say "hi"']],
    ['note "a \\"quoted\\" word"', ["note", 'a "quoted" word']],
    ['note "C:\\\\temp"', ["note", "C:\\temp"]],
    ['note "C:\\temp\\n"', ["note", "C:\\temp\\n"]],
    ["note C:\\temp", ["note", "C:\\temp"]],
    ['note foo"bar baz"qux', ["note", "foobar bazqux"]],
    ['note ""', ["note", ""]],
    ["note don’t stop", ["note", "don’t", "stop"]],
    ["note don't stop", ["note", "don't", "stop"]],
    ["note 'it’s fine'", ["note", "it’s fine"]],
    ["note 'it’s Bob’s'", ["note", "it’s Bob’s"]],
    // A single quote before whitespace closes: the price of letting apostrophes be letters.
    ["note ‘rock ’n’ roll’", ["note", "rock ’n", "roll’"]],
    ["note 日本語 données été 🚀", ["note", "日本語", "données", "été", "🚀"]],
    ['note "🚀 launch"', ["note", "🚀 launch"]],
  ])("%j", (text, positionals) => {
    expect(tokens(text)).toEqual([positionals, {}]);
  });

  it.each<[string, Flags]>([
    ['--name "a b"', { name: ["a b"] }],
    ['--name="a b"', { name: ["a b"] }],
    ["--name='a b'", { name: ["a b"] }],
    ["--name=‘a b’", { name: ["a b"] }],
    ["--name=“a b”", { name: ["a b"] }],
  ])("quoted flag value %j", (text, flags) => {
    expect(tokens(text)).toEqual([[], flags]);
  });
});

describe("tokenize: flag injection", () => {
  it.each<[string, string[], Flags]>([
    ['note "--force"', ["note", "--force"], {}],
    ["note '--force'", ["note", "--force"], {}],
    ["note “--force”", ["note", "--force"], {}],
    ['x --note "--force"', ["x"], { note: ["--force"] }],
    ['x --note="--force --all"', ["x"], { note: ["--force --all"] }],
    ['x --note "a" "--force=true"', ["x", "--force=true"], { note: ["a"] }],
    ["x &lt;--force&gt;", ["x", "<--force>"], {}],
  ])("%j keeps the quoted text a value", (text, positionals, flags) => {
    expect(tokens(text, { booleanFlags: ["force"] })).toEqual([positionals, flags]);
  });
});

describe("tokenize: Slack escapes", () => {
  it.each<[string, string[]]>([
    ["<@U0123ABC|alice>", ["U0123ABC"]],
    ["<@W0123>", ["W0123"]],
    ["<#C0123|ops>", ["C0123"]],
    ["<!subteam^S0ONCALL|@oncall>", ["S0ONCALL"]],
    ["<!here>", ["@here"]],
    ["<!date^1392734382^{date}|Feb 18, 2014>", ["Feb 18, 2014"]],
    ["<mailto:a@b.co|a@b.co>", ["a@b.co"]],
    ["<https://example.com/x?a=1&amp;b=2|example.com>", ["https://example.com/x?a=1&b=2"]],
    ["<https://example.com>", ["https://example.com"]],
    ['"<@U1|Bob Smith> ok"', ["U1 ok"]],
    ["<@U1|Bob Smith>", ["U1"]],
    ["a &amp;&amp; b", ["a", "&&", "b"]],
    ["&lt;@U1&gt;", ["<@U1>"]],
    ["&quot;x", ["&quot;x"]],
    ["a<b", ["a<b"]],
    ["<notascheme>", ["<notascheme>"]],
  ])("%j", (text, positionals) => {
    expect(tokens(text)).toEqual([positionals, {}]);
  });

  it("decodes escapes in flag values", () => {
    expect(tokens("x --owner <@U1|bob> --url=<https://x.y/a|x.y> --to <mailto:a@b.co|a@b.co>")).toEqual([
      ["x"],
      { owner: ["U1"], url: ["https://x.y/a"], to: ["a@b.co"] },
    ]);
  });
});

describe("tokenize: errors", () => {
  it.each<[string, string, number]>([
    ['note "abc', "unterminated_quote", 5],
    ["note “abc", "unterminated_quote", 5],
    ["note 'abc", "unterminated_quote", 5],
    ["note 'a'b", "unterminated_quote", 5],
    ['note "abc\\"', "unterminated_quote", 5],
    ['note “he said "hi"', "unterminated_quote", 5],
    ["x --name", "missing_flag_value", 2],
    ["x --a --b c", "missing_flag_value", 2],
    ["x --name --", "missing_flag_value", 2],
    ["x --=v", "empty_flag_name", 2],
    ['x --"a b"=c', "invalid_flag_name", 2],
    ["x --na;me v", "invalid_flag_name", 2],
    ["x ---name v", "invalid_flag_name", 2],
  ])("%j fails with %s at %i", (text, code, position) => {
    expect(failure(text)).toEqual({ code, position });
  });

  it("explains each error in words a Slack user can act on", () => {
    expect(() => tokenizeOrThrow('note "abc')).toThrow('The quote " at column 6 is never closed.');
    expect(() => tokenizeOrThrow("x --name")).toThrow(
      "The flag --name needs a value: write --name <value> or --name=<value>.",
    );
    expect(() => tokenizeOrThrow("x --=v")).toThrow(CommandSyntaxError);
  });

  it("caps the input length", () => {
    const long = "a".repeat(MAX_COMMAND_LENGTH + 1);
    expect(failure(long)).toEqual({ code: "input_too_long", position: MAX_COMMAND_LENGTH });
    expect(() => tokenizeOrThrow(long)).toThrow(`The command is 4001 characters long; the limit is 4000.`);
    expect(tokens("a".repeat(MAX_COMMAND_LENGTH))[0]).toHaveLength(1);
    expect(failure("task list", { maxLength: 4 }).code).toBe("input_too_long");
  });

  it("handles input at the cap quickly, whatever it contains", () => {
    const many = "x ".repeat(MAX_COMMAND_LENGTH / 2);
    const angles = "<".repeat(MAX_COMMAND_LENGTH);
    const started = performance.now();
    expect(tokens(many)[0]).toHaveLength(MAX_COMMAND_LENGTH / 2);
    expect(tokens(angles)[0]).toEqual([angles]);
    expect(tokens("--f v ".repeat(MAX_COMMAND_LENGTH / 6))[1].f).toHaveLength(
      Math.floor(MAX_COMMAND_LENGTH / 6),
    );
    expect(performance.now() - started).toBeLessThan(500);
  });
});
