/**
 * Operation patterns, as roles and approval rules name them: `*` (everything), `resource:verb` with `*`
 * for either side (`*:list`, `allocation:*`), or a bare word: opsbot's own commands (`help`, `whoami`,
 * `lock`, `unlock`, `audit`) or a whole resource (`task` = `task:*`).
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

/** A glob with `*` only (`prod*`), as `when` conditions use, against a whole value. */
export function globMatches(glob: string, value: string): boolean {
  const source = glob
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`).test(value);
}
