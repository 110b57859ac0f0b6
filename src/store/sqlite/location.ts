import { mkdirSync, statSync } from "node:fs";
import { dirname, parse, resolve, sep } from "node:path";

/** The SQLite file's folder cannot be made: which folder, and why, in words an operator can act on. */
export class StoreLocationError extends Error {
  override readonly name = "StoreLocationError";
  constructor(
    /** The folder that is missing, or in the way. */
    readonly folder: string,
    /** Why, without a stack: "is a file, not a folder", "cannot be created (EACCES)". */
    readonly reason: string,
    readonly code: string,
  ) {
    super(`${folder} ${reason}`);
  }
}

/**
 * Creates the folders a database file is to live in, one level at a time from the root down. Not
 * `mkdirSync(..., { recursive: true })`: on a file system that refuses new entries with ENOENT (under
 * /proc, for one) Node's recursive mkdir retries the parent and the child for ever, and start-up hangs
 * without a word. One level at a time, every failure names the folder and stops.
 */
export function createFoldersFor(file: string): void {
  const folder = resolve(dirname(file));
  const { root } = parse(folder);
  let current = root;
  for (const part of folder.slice(root.length).split(sep).filter(Boolean)) {
    current = current === root ? `${root}${part}` : `${current}${sep}${part}`;
    ensureFolder(current);
  }
}

function ensureFolder(folder: string): void {
  const found = kindOf(folder);
  if (found === "folder") return;
  if (found === "other") throw new StoreLocationError(folder, "is a file, not a folder", "ENOTDIR");
  try {
    mkdirSync(folder);
  } catch (error) {
    const code = codeOf(error);
    // Made meanwhile by someone else (another replica starting beside this one): what was wanted.
    if (code === "EEXIST" && kindOf(folder) === "folder") return;
    throw new StoreLocationError(folder, `cannot be created (${code})`, code);
  }
}

function kindOf(path: string): "folder" | "other" | "missing" {
  try {
    return statSync(path).isDirectory() ? "folder" : "other";
  } catch (error) {
    const code = codeOf(error);
    if (code === "ENOENT") return "missing";
    // ENOTDIR: a file further up is in the way (already reported at its own level); EACCES and others.
    throw new StoreLocationError(path, `cannot be looked at (${code})`, code);
  }
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : "unknown error";
}
