/**
 * Slack mrkdwn as a person would read it in a terminal: mentions, channel links, user groups, dates and
 * links turned into their visible text, and the three HTML entities Slack uses decoded. Bold, italics
 * and code markers are kept: they read fine as they are.
 */

/** Names the console knows, to show `<@U0DEMO1>` as `@alice`. */
export interface Directory {
  readonly users?: ReadonlyMap<string, string>;
  readonly channels?: ReadonlyMap<string, string>;
  readonly groups?: ReadonlyMap<string, string>;
}

const SPECIAL: Readonly<Record<string, string>> = {
  here: "@here",
  channel: "@channel",
  everyone: "@everyone",
};

/** One `<…>` token as it shows in Slack. */
function token(inner: string, names: Directory): string {
  const bar = inner.indexOf("|");
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? undefined : inner.slice(bar + 1);
  if (target.startsWith("@")) {
    const id = target.slice(1);
    return `@${label ?? names.users?.get(id) ?? id}`;
  }
  if (target.startsWith("#")) {
    const id = target.slice(1);
    return `#${label ?? names.channels?.get(id) ?? id}`;
  }
  if (target.startsWith("!subteam^")) {
    const id = target.slice("!subteam^".length);
    return label ?? `@${names.groups?.get(id) ?? id}`;
  }
  // `<!date^1700000000^{date_short} {time}|fallback>`: the fallback is what clients without the
  // reader's time zone show, and it is already formatted.
  if (target.startsWith("!date^"))
    return label ?? new Date(Number(target.split("^")[1]) * 1000).toISOString();
  if (target.startsWith("!")) return SPECIAL[target.slice(1)] ?? label ?? target;
  return label !== undefined && label !== target ? `${label} (${target})` : target;
}

export function decodeEntities(text: string): string {
  // `&amp;` last, so that `&amp;lt;` (a literal "&lt;") stays "&lt;".
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** mrkdwn → display text. Code fences go on lines of their own so a code block reads as a block. */
export function displayMrkdwn(text: string, names: Directory = {}): string {
  const tokens = text.replace(/<([^<>\n]+)>/g, (_, inner: string) => token(inner, names));
  const fenced = tokens.replace(
    /```\n?([\s\S]*?)\n?```/g,
    (_, code: string) => `\n\`\`\`\n${code}\n\`\`\`\n`,
  );
  return decodeEntities(fenced).replace(/^\n+|\n+$/g, "");
}
