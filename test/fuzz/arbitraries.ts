import fc from "fast-check";
import { calyptiaEndpoints } from "../../src/api/calyptia/endpoints.js";
import { deployEndpoints } from "../../src/api/deploy/endpoints.js";
import { orchestrationEndpoints } from "../../src/api/orchestration/endpoints.js";
import type { Catalogue } from "../../src/catalogue/catalogue.js";

/**
 * Hostile text for the fuzz suites: what people paste into Slack and what Slack itself rewrites (user,
 * channel and mailto escapes, smart dashes and quotes), path tricks, flag injection, control and bidi
 * characters, and very long input. `FUZZ_RUNS` scales every suite (`npm run fuzz` sets 20,000).
 */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? "0") || undefined;

/** Runs for a property: the CI default, or the long run's count scaled by `share`. */
export function runs(ciDefault: number, share = 1): number {
  return FUZZ_RUNS ? Math.max(ciDefault, Math.round(FUZZ_RUNS * share)) : ciDefault;
}

const TRICKS = [
  '"',
  "'",
  "“quoted”",
  '"unterminated',
  "--",
  "---",
  "—",
  "–namespace",
  "--namespace",
  "--namespace=",
  "--namespace=--force",
  "--force",
  "--force-delete",
  "--=x",
  "-- --",
  "<@U0ALICE>",
  "<@U0ALICE|alice>",
  "<#C0OPS0001|ops>",
  "<#C0OPS0001>",
  "<!here>",
  "<!subteam^S0SRE|@sre>",
  "<mailto:a@example.com|a@example.com>",
  "<https://evil.example/x|click>",
  "..",
  "../..",
  "..%2F..",
  "%2e%2e",
  "%252e%252e%252f",
  "a/../b",
  "/etc/passwd",
  "\\..\\",
  "?x=1",
  "#frag",
  "%00",
  "\u0000",
  "\u202e",
  "\u2028",
  "\ud800",
  "🚀",
  "ᄀᄀᄀ",
  "x".repeat(3_000),
  "&amp;&lt;&gt;",
  "*bold* _it_ `code`",
  "=cmd|' /C calc'!A0",
  "NaN",
  "undefined",
  "null",
  "-1",
  "1e309",
  "0x10",
];

/** What people and backends may put in any free-text field: markup, entities, bare mentions, length. */
export const HOSTILE_TEXT = [
  "<!channel>",
  "<!here>",
  "<!everyone>",
  "<@U123>",
  "<@U123|alice>",
  "<https://evil.example|Approve>",
  "<#C1>",
  "<!subteam^S1>",
  "<!date^1^{time}|x>",
  "&lt;!channel&gt;",
  "&lt;https://evil.example|Approve&gt;",
  "@channel",
  "@here",
  "@EVERYONE",
  "*bold* _it_ ~strike~",
  "```fenced``` `code`",
  "https://evil.example",
  "x".repeat(5_000),
];

/** One hostile token. */
export const hostileToken = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TRICKS) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom("--", "—", "–"), fc.string({ unit: "grapheme-ascii", maxLength: 12 }))
      .map(([dash, name]) => `${dash}${name}`),
  },
);

/** Words the catalogue knows (resources, verbs, flag names), so that fuzzing reaches past "unknown". */
export function catalogueWords(catalogue: Catalogue): string[] {
  const words = new Set<string>(["help", "whoami", "lock", "unlock", "locks", "audit", "subscribe"]);
  for (const op of catalogue.operations) {
    for (const part of op.id.split(":")) words.add(part);
    for (const name of Object.keys(op.args)) words.add(`--${name}`);
  }
  return [...words];
}

/** A command line: real words and hostile tokens in any order, joined by spaces (or not). */
export function commandLine(catalogue: Catalogue) {
  const word = fc.constantFrom(...catalogueWords(catalogue));
  return fc.oneof(
    fc
      .tuple(word, word, fc.array(fc.oneof(word, hostileToken), { maxLength: 8 }))
      .map(([a, b, rest]) => [a, b, ...rest].join(" ")),
    fc.array(fc.oneof(word, hostileToken), { maxLength: 10 }).map((parts) => parts.join(" ")),
    fc.string({ unit: "grapheme", maxLength: 200 }),
    hostileToken,
  );
}

/** What a message shown to a user must never contain (unless it only quotes what the user typed). */
export function unclearParts(text: string, typed = ""): string[] {
  const bad: string[] = [];
  if (text.trim() === "") bad.push("an empty message");
  for (const word of ["undefined", "[object Object]", "NaN", "    at "])
    if (text.includes(word) && !typed.includes(word)) bad.push(word);
  return bad;
}

/** Every path template of a backend, as an anchored pattern: each placeholder is exactly one segment. */
export function templatePatterns(): Record<"calyptia" | "deploy" | "orchestration", RegExp[]> {
  const of = (endpoints: Readonly<Record<string, { readonly path: string }>>) =>
    Object.values(endpoints).map(
      (e) =>
        new RegExp(
          `^${e.path
            .split(/\{[A-Za-z_][A-Za-z0-9_]*\*?\}/)
            .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
            .join("[^/?#]+")}(\\?[^#]*)?$`,
        ),
    );
  return {
    calyptia: of(calyptiaEndpoints),
    deploy: of(deployEndpoints),
    orchestration: of(orchestrationEndpoints),
  };
}

/** A request path that no template of its backend allows, or undefined. */
export function strayPath(url: string, patterns: readonly RegExp[]): string | undefined {
  if (url.startsWith("/__sim/") || url.startsWith("/auth/")) return undefined;
  const segments = (url.split("?")[0] ?? "").split("/");
  if (segments.some((s) => [".", ".."].includes(safeDecode(s)))) return url;
  return patterns.some((p) => p.test(url)) ? undefined : url;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** What the bot may have built itself in a message: the IDs and links the test knows. */
export interface OwnMarkup {
  readonly users?: readonly string[];
  readonly channels?: readonly string[];
  readonly usergroups?: readonly string[];
  readonly links?: readonly string[];
}

/** Slack's date token as opsbot writes it: a number, a known format, an inert fallback. */
const OWN_DATE = /^<!date\^\d+\^(?:\{date_short_pretty\} \{time\}|\{time_secs\})\|[^<>|]*>$/;

/**
 * Every mention, special mention or link in a message that the bot did not build: `<…>` tokens other
 * than the known users, channels, groups, links and opsbot's date tokens; bare `@here` / `@channel` /
 * `@everyone`; and mrkdwn objects without `verbatim` (Slack would link or mention from data in them).
 * Plain-text objects are skipped: Slack never reads markup in them.
 */
export function foreignMarkup(message: unknown, own: OwnMarkup = {}): string[] {
  const found: string[] = [];
  const allowed = (token: string): boolean => {
    const inner = token.slice(1, -1);
    if (inner.startsWith("@")) return own.users?.includes(inner.slice(1)) ?? false;
    if (inner.startsWith("#")) return own.channels?.includes(inner.slice(1)) ?? false;
    if (inner.startsWith("!subteam^")) return own.usergroups?.includes(inner.slice(9)) ?? false;
    if (inner.startsWith("!date^")) return OWN_DATE.test(token);
    return own.links?.includes(inner) ?? false;
  };
  const scan = (text: string) => {
    for (const token of text.match(/<[^<>]*>/g) ?? []) if (!allowed(token)) found.push(token);
    for (const bare of text.match(/@(?:here|channel|everyone)/gi) ?? []) found.push(bare);
  };
  const walk = (value: unknown) => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (typeof value !== "object" || value === null) return;
    const node = value as Record<string, unknown>;
    if (node.type === "plain_text") return;
    if (node.type === "mrkdwn" && node.verbatim !== true)
      found.push(`mrkdwn without verbatim: ${String(node.text).slice(0, 80)}`);
    for (const [key, child] of Object.entries(node)) {
      if (key === "text" && typeof child === "string") scan(child);
      else walk(child);
    }
  };
  walk(message);
  return found;
}
