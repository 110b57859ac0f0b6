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
  /** Where dates are shown, as Slack shows them in the reader's zone; the machine's own by default. */
  readonly timeZone?: string;
  /** What "today" is for `{date_pretty}`; the clock by default. */
  readonly now?: () => number;
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
  // `<!date^1700000000^{date_short} {time}|fallback>`: shown as Slack shows it, in the reader's zone;
  // the fallback only when the token cannot be read.
  if (target.startsWith("!date^")) {
    const [, seconds, format] = target.split("^");
    const ms = Number(seconds) * 1000;
    if (!Number.isFinite(ms) || format === undefined) return label ?? target;
    return slackDateText(ms, format, names);
  }
  if (target.startsWith("!")) return SPECIAL[target.slice(1)] ?? label ?? target;
  return label !== undefined && label !== target ? `${label} (${target})` : target;
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

interface DayTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly weekday: string;
  readonly hour: string;
  readonly minute: string;
  readonly second: string;
}

function dayTime(ms: number, timeZone: string | undefined): DayTime {
  const parts = new Intl.DateTimeFormat("en-US", {
    ...(timeZone ? { timeZone } : {}),
    year: "numeric",
    month: "numeric",
    day: "numeric",
    weekday: "long",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(ms));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  return {
    year: Number(part("year")),
    month: Number(part("month")),
    day: Number(part("day")),
    weekday: part("weekday"),
    hour: part("hour"),
    minute: part("minute"),
    second: part("second"),
  };
}

function ordinal(day: number): string {
  const teen = day % 100 >= 11 && day % 100 <= 13;
  const suffix = teen ? "th" : (({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[day % 10] ?? "th");
  return `${day}${suffix}`;
}

/**
 * A `<!date^…^format>` token's text, as Slack writes it: `{date_num}` 2026-12-05, `{date}` December 5th,
 * 2026, `{date_short}` Dec 5, 2026, `{date_long}` Saturday, December 5th, 2026, each `_pretty` one
 * saying today, yesterday or tomorrow when it can, `{time}` 13:06, `{time_secs}` 13:06:53 (24-hour).
 */
export function slackDateText(ms: number, format: string, names: Directory = {}): string {
  const at = dayTime(ms, names.timeZone);
  const month = MONTHS[at.month - 1] ?? "";
  const dates: Record<string, string> = {
    date_num: `${at.year}-${String(at.month).padStart(2, "0")}-${String(at.day).padStart(2, "0")}`,
    date: `${month} ${ordinal(at.day)}, ${at.year}`,
    date_short: `${month.slice(0, 3)} ${at.day}, ${at.year}`,
    date_long: `${at.weekday}, ${month} ${ordinal(at.day)}, ${at.year}`,
  };
  const now = (names.now ?? Date.now)();
  const dayKey = (t: number) => {
    const d = dayTime(t, names.timeZone);
    return `${d.year}-${d.month}-${d.day}`;
  };
  const relative = new Map([
    [dayKey(now), "today"],
    [dayKey(now - 86_400_000), "yesterday"],
    [dayKey(now + 86_400_000), "tomorrow"],
  ]).get(dayKey(ms));
  return format.replace(/\{([a-z_]+)\}/g, (whole, name: string) => {
    if (name === "time") return `${at.hour}:${at.minute}`;
    if (name === "time_secs") return `${at.hour}:${at.minute}:${at.second}`;
    const base = name.endsWith("_pretty") ? name.slice(0, -"_pretty".length) : name;
    const date = dates[base];
    if (date === undefined) return whole;
    return name.endsWith("_pretty") && relative ? relative : date;
  });
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
