/** Every mutating command takes it: an admin breaking a change freeze, which always needs an approval. */
export const FORCE_FLAG = "force";

import { type AnyOperation, flagName } from "./define.js";

/**
 * The registry of operations. Rejects duplicates (ids and flag names), finds an operation by resource and
 * verb, and suggests the closest names for a typo.
 */
export class Catalogue {
  readonly #byId = new Map<string, AnyOperation>();

  constructor(operations: readonly AnyOperation[]) {
    for (const operation of operations) this.#add(operation);
  }

  #add(operation: AnyOperation): void {
    const expected = operation.verb ? `${operation.resource}:${operation.verb}` : operation.resource;
    if (operation.id !== expected) throw new Error(`operation ${operation.id} must be named ${expected}`);
    if (!operation.verb && operation.backend !== "opsbot")
      throw new Error(`operation ${operation.id}: only opsbot's own commands are a bare word`);
    if (this.#byId.has(operation.id)) throw new Error(`operation ${operation.id} is defined twice`);
    const flags = new Set<string>();
    let optionalPositionalSeen = false;
    for (const [name, def] of Object.entries(operation.args)) {
      if (def.positional) {
        const optional = def.schema.safeParse(undefined).success || def.defaultFrom !== undefined;
        if (!optional && optionalPositionalSeen)
          throw new Error(`${operation.id}: required positional ${name} follows an optional one`);
        optionalPositionalSeen ||= optional;
        continue;
      }
      const flag = flagName(name, def);
      if (flag === FORCE_FLAG)
        throw new Error(`${operation.id}: --${FORCE_FLAG} is opsbot's own (breaking a change freeze)`);
      for (const name of [flag, ...(def.formerly ?? [])]) {
        if (flags.has(name)) throw new Error(`${operation.id}: flag --${name} is defined twice`);
        flags.add(name);
      }
    }
    this.#byId.set(operation.id, operation);
  }

  get operations(): readonly AnyOperation[] {
    return [...this.#byId.values()];
  }

  /** The backends' resources (`task`, `port`, …), each with verbs. */
  get resources(): readonly string[] {
    return [...new Set(this.operations.filter((o) => o.verb).map((o) => o.resource))];
  }

  /** opsbot's own commands, each a bare word (`lock`, `audit`). */
  get commands(): readonly AnyOperation[] {
    return this.operations.filter((o) => !o.verb);
  }

  /** The operation a bare command word names. */
  command(word: string): AnyOperation | undefined {
    const found = this.#byId.get(word);
    return found && !found.verb ? found : undefined;
  }

  byId(id: string): AnyOperation | undefined {
    return this.#byId.get(id);
  }

  find(resource: string, verb: string): AnyOperation | undefined {
    return this.#byId.get(`${resource}:${verb}`);
  }

  /** Flags of yes/no arguments, which may be given bare (`--force`, `--force-delete`). */
  booleanFlags(): ReadonlySet<string> {
    const flags = new Set<string>([FORCE_FLAG]);
    for (const operation of this.operations)
      for (const [name, def] of Object.entries(operation.args))
        if (def.input === "boolean" && !def.positional) flags.add(flagName(name, def));
    return flags;
  }

  verbsOf(resource: string): readonly string[] {
    return this.operations.filter((o) => o.verb && o.resource === resource).map((o) => o.verb);
  }
}

/** The closest candidate within an edit distance of 2 (or a unique prefix match), for "did you mean". */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const prefixed = candidates.filter((c) => c.startsWith(lower));
  if (lower.length >= 2 && prefixed.length === 1) return prefixed[0];
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate);
    if (distance <= 2 && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
