import { readFileSync } from "node:fs";
import { arch, cpus, release, totalmem, type } from "node:os";

/** One figure of a benchmark suite; every suite returns these, main.ts prints them as one table. */
export interface Row {
  readonly suite: string;
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  /** The same figure for the baseline the value is compared with (e.g. raw undici). */
  readonly floor?: number;
  /** value / floor. */
  readonly ratio?: number;
  /** What the figure must meet: a bound on the ratio to the floor or on the value itself. */
  readonly target?: Target;
  readonly pass?: boolean;
}

export interface Target {
  readonly of: "ratio" | "value";
  readonly op: "<=" | ">=";
  readonly bound: number;
}

export interface Suite {
  readonly name: string;
  readonly run: (log: (line: string) => void) => Promise<Row[]>;
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly os: string;
}

export function machine(): Machine {
  return {
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${distribution() ?? type()} (${type()} ${release()} ${arch()})`,
  };
}

function distribution(): string | undefined {
  try {
    return readFileSync("/etc/os-release", "utf8").match(/^PRETTY_NAME="?([^"\n]*)"?$/m)?.[1];
  } catch {
    return undefined;
  }
}

export function machineLine(m: Machine): string {
  return `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}`;
}

/** Fills `ratio` and `pass` from the value, the floor and the target. */
export function judged(row: Omit<Row, "ratio" | "pass">): Row {
  const ratio = row.floor ? row.value / row.floor : undefined;
  const measured = row.target?.of === "ratio" ? ratio : row.value;
  const pass =
    row.target && measured !== undefined
      ? row.target.op === "<="
        ? measured <= row.target.bound
        : measured >= row.target.bound
      : undefined;
  return { ...row, ...(ratio === undefined ? {} : { ratio }), ...(pass === undefined ? {} : { pass }) };
}

const round = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(3));

function targetText(t: Target | undefined): string {
  if (!t) return "";
  const op = t.op === "<=" ? "≤" : "≥";
  return t.of === "ratio" ? `${op} ${t.bound.toFixed(2)}x` : `${op} ${round(t.bound)}`;
}

/** A plain-text table, one line per row. */
export function table(rows: readonly Row[]): string {
  const header = ["suite", "metric", "value", "floor", "ratio", "target", "pass"];
  const cells = rows.map((r) => [
    r.suite,
    r.metric,
    `${round(r.value)} ${r.unit}`,
    r.floor === undefined ? "" : `${round(r.floor)} ${r.unit}`,
    r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}x`,
    targetText(r.target),
    r.pass === undefined ? "" : r.pass ? "yes" : "NO",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]?.length ?? 0)));
  const line = (c: readonly string[]) =>
    c
      .map((text, i) => (i >= 2 && i <= 4 ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}
