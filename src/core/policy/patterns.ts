import { closest } from "../../catalogue/catalogue.js";

/**
 * Operation patterns, as roles and approval rules name them: `*` (everything), `resource:verb` with `*`
 * for either side (`*:list`, `allocation:*`), or a bare word: opsbot's own commands (`help`, `whoami`,
 * `lock`, `unlock`, `audit`, `subscribe`, `unsubscribe`) or a whole resource (`task` = `task:*`).
 * A `resource:verb` pattern never matches a bare command: `*:list` does not reach `lock`.
 */

const WORD = "[a-z][a-z0-9-]*";
const PATTERN = new RegExp(`^(\\*|${WORD}|(\\*|${WORD}):(\\*|${WORD}))$`);

export function isPattern(text: string): boolean {
  return PATTERN.test(text);
}

export function matches(pattern: string, operationId: string): boolean {
  if (pattern === "*") return true;
  const [resource, verb] = operationId.split(":");
  if (!pattern.includes(":")) return pattern === operationId || (pattern === resource && verb !== undefined);
  if (verb === undefined) return false;
  const [wantResource, wantVerb] = pattern.split(":");
  return (wantResource === "*" || wantResource === resource) && (wantVerb === "*" || wantVerb === verb);
}

export function matchesAny(patterns: readonly string[], operationId: string): boolean {
  return patterns.some((p) => matches(p, operationId));
}

/** The known operations a list of patterns reaches. */
export function operationsMatched(patterns: readonly string[], known: readonly string[]): string[] {
  return known.filter((id) => matchesAny(patterns, id));
}

/**
 * Why a pattern is a mistake, or undefined: it is malformed, or it matches none of the known operations
 * (a typo would otherwise silently grant or guard nothing). Suggests the nearest pattern that would match.
 */
export function patternProblem(pattern: string, known: readonly string[]): string | undefined {
  if (!isPattern(pattern)) {
    const lower = pattern.toLowerCase();
    if (lower !== pattern && isPattern(lower)) return `must be lowercase: ${lower}`;
    return "must be *, a command word, or resource:verb (either side may be *)";
  }
  if (known.some((id) => matches(pattern, id))) return undefined;
  const guess = suggestion(pattern, known);
  return `matches no operation${guess ? `; did you mean ${guess}?` : ""}`;
}

function suggestion(pattern: string, known: readonly string[]): string | undefined {
  const ids = known.filter((id) => id.includes(":"));
  const words = known.filter((id) => !id.includes(":"));
  const resources = unique(ids.map((id) => id.split(":")[0] ?? ""));
  const verbs = unique(ids.map((id) => id.split(":")[1] ?? ""));
  if (!pattern.includes(":")) {
    // A verb alone (`deploy`) most likely meant that verb on every resource.
    if (verbs.includes(pattern)) return `*:${pattern}`;
    return closest(pattern, [...words, ...resources]);
  }
  const [resource = "", verb = ""] = pattern.split(":");
  if (resource === "*") return prefixed("*:", closest(verb, verbs));
  if (verb === "*") return prefixed("", closest(resource, resources), ":*");
  const whole = closest(pattern, ids);
  if (whole) return whole;
  // Both halves may be right on their own but not together (`task:kill`): offer the resource's verbs.
  const fixedResource = resources.includes(resource) ? resource : closest(resource, resources);
  if (!fixedResource) return undefined;
  const ownVerbs = ids.filter((id) => id.startsWith(`${fixedResource}:`)).map((id) => id.split(":")[1] ?? "");
  return prefixed(`${fixedResource}:`, closest(verb, ownVerbs));
}

function prefixed(before: string, word: string | undefined, after = ""): string | undefined {
  return word === undefined ? undefined : `${before}${word}${after}`;
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

/**
 * A glob with `*` only (`prod*`), as `when` conditions use, against a whole value. Matched without a
 * regular expression so that a glob with many stars cannot make a long argument slow to check.
 */
export function globMatches(glob: string, value: string): boolean {
  let globIndex = 0;
  let valueIndex = 0;
  let star = -1;
  let resume = 0;
  while (valueIndex < value.length) {
    if (globIndex < glob.length && glob[globIndex] === "*") {
      star = globIndex++;
      resume = valueIndex;
    } else if (globIndex < glob.length && glob[globIndex] === value[valueIndex]) {
      globIndex++;
      valueIndex++;
    } else if (star >= 0) {
      globIndex = star + 1;
      valueIndex = ++resume;
    } else {
      return false;
    }
  }
  while (globIndex < glob.length && glob[globIndex] === "*") globIndex++;
  return globIndex === glob.length;
}
