/**
 * Slack's escaping of message and command text. With `should_escape: true` Slack rewrites mentions,
 * channels and links as `<…>` (`<@U123|alice>`, `<#C123|ops>`, `<mailto:a@b.c|a@b.c>`,
 * `<https://x|x>`) and escapes what the user typed as `&amp;`, `&lt;`, `&gt;`. A bot wants the raw
 * ID, URL or address.
 */

export interface Decoded {
  readonly text: string;
  /** Index just past what was consumed. */
  readonly end: number;
}

const ENTITIES: Readonly<Record<string, string>> = { "&amp;": "&", "&lt;": "<", "&gt;": ">" };
const SPECIAL_MENTIONS = new Set(["here", "channel", "everyone"]);
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** The entity at `i` (`&amp;`, `&lt;`, `&gt;`), or undefined when there is none. */
export function decodeEntityAt(input: string, start: number): Decoded | undefined {
  for (const [entity, char] of Object.entries(ENTITIES)) {
    if (input.startsWith(entity, start)) return { text: char, end: start + entity.length };
  }
  return undefined;
}

export function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt);/g, (entity) => ENTITIES[entity] ?? entity);
}

/**
 * The Slack escape starting with `<` at `i`: a user, channel or user-group mention gives its ID, a link
 * its URL (a mailto link its address), `<!here>` gives `@here` and `<!date^…|fallback>` the fallback.
 * Undefined when the text at `i` is not such an escape, so the `<` is taken literally.
 */
export function decodeSlackEscapeAt(input: string, start: number): Decoded | undefined {
  if (input[start] !== "<") return undefined;
  const close = input.indexOf(">", start + 1);
  if (close < 0) return undefined;
  const inner = input.slice(start + 1, close);
  const bar = inner.indexOf("|");
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? "" : inner.slice(bar + 1);
  const text = decodeTarget(target, label);
  return text === undefined ? undefined : { text, end: close + 1 };
}

function decodeTarget(target: string, label: string): string | undefined {
  if (/^@[UW][A-Z0-9]+$/.test(target)) return target.slice(1);
  if (/^#[CGD][A-Z0-9]+$/.test(target)) return target.slice(1);
  if (target.startsWith("!")) {
    const subteam = /^!subteam\^([A-Z0-9]+)$/.exec(target);
    if (subteam?.[1]) return subteam[1];
    if (target.startsWith("!date^")) return decodeEntities(label);
    const name = target.slice(1);
    return SPECIAL_MENTIONS.has(name) ? `@${name}` : undefined;
  }
  if (/^mailto:/i.test(target)) return decodeEntities(target.slice("mailto:".length));
  if (URL_SCHEME.test(target) && !/\s/.test(target)) return decodeEntities(target);
  return undefined;
}
