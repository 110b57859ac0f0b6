import { readFileSync } from "node:fs";
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { Policy } from "./policy.js";
import { checkPolicyData, type PathProblem, type PolicyOptions } from "./policy-schema.js";

export { conditionKeysOf, type PolicyOptions } from "./policy-schema.js";

/**
 * The permissions file (`OPSBOT_CONFIG`, YAML), validated at start-up. Every problem is reported with
 * its line, column and key, all at once, so an operator fixes the file in one go.
 */

export interface PolicyProblem {
  readonly line: number;
  readonly column: number;
  /** `approvals[1].expires_after`; empty for a problem with the file as a whole. */
  readonly key: string;
  readonly message: string;
}

export class PolicyFileError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly PolicyProblem[],
  ) {
    super(
      [`${source} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:`]
        .concat(
          problems.map((p) => `  ${source}:${p.line}:${p.column} ${p.key ? `${p.key}: ` : ""}${p.message}`),
        )
        .join("\n"),
    );
    this.name = "PolicyFileError";
  }
}

type Path = readonly (string | number)[];

export function parsePolicy(text: string, options: PolicyOptions): Policy {
  const lineCounter = new LineCounter();
  // Duplicate keys are found below with their full key path, rather than by the parser.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const syntax: PolicyProblem[] = [
    ...doc.errors.map((e) => ({ ...at(e.pos[0]), key: "", message: e.message.split("\n")[0] ?? e.message })),
    ...duplicateKeys(doc.contents, []).map((duplicate) => ({
      ...at(duplicate.offset),
      key: keyOf(duplicate.path),
      message: `is given twice (first on line ${at(duplicate.firstOffset).line}); a later one would silently win`,
    })),
  ];
  if (syntax.length > 0) throw new PolicyFileError(options.source, sorted(syntax));

  const checked = checkPolicyData(doc.toJS() ?? {}, options);
  if (checked.ok) return checked.policy;
  const problems = checked.problems.map((problem) => {
    const node = locate(doc.contents, problem);
    return {
      ...(node?.range ? at(node.range[0]) : { line: 1, column: 1 }),
      key: keyOf(problem.path),
      message: problem.message,
    };
  });
  throw new PolicyFileError(options.source, sorted(problems));
}

export function loadPolicyFile(path: string, options: Omit<PolicyOptions, "source">): Policy {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(error);
    throw new PolicyFileError(path, [{ line: 1, column: 1, key: "", message: `cannot be read (${reason})` }]);
  }
  return parsePolicy(text, { ...options, source: path });
}

function sorted(problems: PolicyProblem[]): PolicyProblem[] {
  return problems.sort((x, y) => x.line - y.line || x.column - y.column);
}

/** `approvals[1].expires_after` */
function keyOf(path: Path): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

function duplicateKeys(node: unknown, path: Path): { path: Path; offset: number; firstOffset: number }[] {
  if (isSeq(node)) return node.items.flatMap((item, i) => duplicateKeys(item, [...path, i]));
  if (!isMap(node)) return [];
  const seen = new Map<string, number>();
  return node.items.flatMap((pair) => {
    if (!isScalar(pair.key)) return duplicateKeys(pair.value, path);
    const key = String(pair.key.value);
    const offset = pair.key.range?.[0] ?? 0;
    const first = seen.get(key);
    if (first !== undefined) return [{ path: [...path, key], offset, firstOffset: first }];
    seen.set(key, offset);
    return duplicateKeys(pair.value, [...path, key]);
  });
}

/**
 * The YAML node a problem points at, or its nearest ancestor that exists (a missing key is reported
 * where its parent is). An unknown key is located at the key itself.
 */
function locate(root: unknown, problem: PathProblem): Node | undefined {
  let node = isNode(root) ? root : undefined;
  let depth = 0;
  const path = problem.atKey ? problem.path.slice(0, -1) : problem.path;
  const wrongKey = problem.atKey ? problem.path.at(-1) : problem.unknownKey;
  for (const segment of path) {
    const next = childOf(node, segment);
    if (!next) break;
    node = next;
    depth += 1;
  }
  if (wrongKey !== undefined && depth === path.length && isMap(node)) {
    const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(wrongKey));
    if (pair && isScalar(pair.key)) return pair.key;
  }
  return node;
}

function childOf(node: Node | undefined, segment: string | number): Node | undefined {
  if (isSeq(node) && typeof segment === "number") {
    const item = node.items[segment];
    return isNode(item) ? item : undefined;
  }
  if (isMap(node)) {
    const pair = node.items.find(
      (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
    );
    if (!pair) return undefined;
    // An empty value (`when:`) has no node of its own: point at its key.
    if (isNode(pair.value) && !isEmpty(pair.value)) return pair.value;
    return isNode(pair.key) ? pair.key : undefined;
  }
  return undefined;
}

function isEmpty(node: Node): boolean {
  return node.range !== undefined && node.range !== null && node.range[0] === node.range[1];
}
