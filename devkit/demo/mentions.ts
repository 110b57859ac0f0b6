import type { Directory } from "./mrkdwn.js";

/**
 * What Slack does to a slash command's text before sending it, with `should_escape: true` (see
 * manifest.yml): `&`, `<` and `>` become entities, and a typed `@alice`, `@sre` or `#ops-demo` that names
 * someone Slack knows becomes `<@U…|alice>`, `<!subteam^S…|@sre>` or `<#C…|ops-demo>`. A name nobody
 * has stays as typed, as in Slack. Pure, so it is tested on its own.
 */

const SPECIAL = new Set(["here", "channel", "everyone"]);

/**
 * `@` or `#` not glued to a word before it (so `alice@example.com` and `a#1` stay), then a name: letters,
 * digits, `_`, `-`, and inner dots (a trailing dot is the sentence's).
 */
const MENTION = /(?<![\w@#.])([@#])([\w-]+(?:\.[\w-]+)*)/g;

function byName(map: ReadonlyMap<string, string> | undefined, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [id, known] of map ?? []) if (known.toLowerCase() === wanted) return id;
  return undefined;
}

export function escapeAsSlack(text: string, names: Directory): string {
  const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return escaped.replace(MENTION, (typed: string, sigil: string, name: string) => {
    if (sigil === "#") {
      const channel = byName(names.channels, name);
      return channel ? `<#${channel}|${names.channels?.get(channel)}>` : typed;
    }
    if (SPECIAL.has(name.toLowerCase())) return `<!${name.toLowerCase()}>`;
    const user = byName(names.users, name);
    if (user) return `<@${user}|${names.users?.get(user)}>`;
    const group = byName(names.groups, name);
    return group ? `<!subteam^${group}|@${names.groups?.get(group)}>` : typed;
  });
}
