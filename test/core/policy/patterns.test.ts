import { describe, expect, it } from "vitest";
import {
  globMatches,
  isPattern,
  matches,
  matchesAny,
  operationsMatched,
  patternProblem,
} from "../../../src/core/policy/patterns.js";

const KNOWN = [
  "task:deploy",
  "task:deploy-config",
  "task:list",
  "pipeline:run",
  "pipeline:kill",
  "pipeline:list",
  "job:delete",
  "allocation:enable",
  "help",
  "whoami",
  "lock",
  "unlock",
  "audit",
  "subscribe",
  "unsubscribe",
];

describe("matches", () => {
  it.each([
    ["*", "task:deploy", true],
    ["*", "lock", true],
    ["*:list", "task:list", true],
    ["*:list", "lock", false],
    ["*:*", "task:list", true],
    ["*:*", "help", false],
    ["task:*", "task:deploy", true],
    ["task:*", "pipeline:run", false],
    ["allocation:*", "allocation:enable", true],
    ["allocation:*", "payload:delete", false],
    ["task", "task:deploy", true],
    ["task", "pipeline:run", false],
    ["lock", "lock", true],
    ["lock", "unlock", false],
    ["subscribe", "unsubscribe", false],
    ["help", "help", true],
    ["task:deploy", "task:deploy", true],
    ["task:deploy", "task:deploy-config", false],
    ["*:delete", "job:delete", true],
    ["*:delete", "delete", false],
  ])("%s against %s: %s", (pattern, id, expected) => {
    expect(matches(pattern, id)).toBe(expected);
  });

  it("matches a list when any pattern does, and finds what a list reaches", () => {
    expect(matchesAny(["help", "*:list"], "task:list")).toBe(true);
    expect(matchesAny([], "task:list")).toBe(false);
    expect(operationsMatched(["*:list", "help"], KNOWN)).toEqual(["task:list", "pipeline:list", "help"]);
  });
});

describe("isPattern", () => {
  it("accepts *, words and resource:verb with * on either side", () => {
    for (const good of ["*", "help", "task:*", "*:delete", "*:*", "deploy-config", "task:deploy-config"])
      expect(isPattern(good)).toBe(true);
  });

  it("rejects anything else", () => {
    for (const bad of ["", "Task:deploy", "task:", ":list", "a:b:c", "task deploy", "**", "ta*k", "task:de*"])
      expect(isPattern(bad)).toBe(false);
  });
});

describe("patternProblem", () => {
  it.each([
    ["*", undefined],
    ["*:list", undefined],
    ["lock", undefined],
    ["task", undefined],
    ["Task:deploy", "must be lowercase: task:deploy"],
    ["task deploy", "must be *, a command word, or resource:verb (either side may be *)"],
    ["*:lsit", "matches no operation; did you mean *:list?"],
    ["alocation:*", "matches no operation; did you mean allocation:*?"],
    ["task:deploi", "matches no operation; did you mean task:deploy?"],
    ["pipline:run", "matches no operation; did you mean pipeline:run?"],
    ["task:lst", "matches no operation; did you mean task:list?"],
    ["tsk:deploi", "matches no operation; did you mean task:deploy?"],
    ["task:kill", "matches no operation"],
    ["deploy", "matches no operation; did you mean *:deploy?"],
    ["unlok", "matches no operation; did you mean unlock?"],
    ["pipelin", "matches no operation; did you mean pipeline?"],
    ["*:frobnicate", "matches no operation"],
    ["cluster:*", "matches no operation"],
  ])("%s: %s", (pattern, problem) => {
    expect(patternProblem(pattern, KNOWN)).toBe(problem);
  });
});

describe("globMatches", () => {
  it.each([
    ["prod*", "prod", true],
    ["prod*", "prod-eu", true],
    ["prod*", "preprod", false],
    ["*prod*", "preprod-1", true],
    ["*-eu", "prod-eu", true],
    ["*-eu", "prod-us", false],
    ["prod", "prod", true],
    ["prod", "production", false],
    ["a.b", "axb", false],
    ["a.b", "a.b", true],
    ["tier=prod*", "tier=prod-1", true],
    ["*", "", true],
    ["a*b*c", "aXbYc", true],
    ["a*b*c", "aXcYb", false],
    ["(x)+", "(x)+", true],
  ])("%s against %s: %s", (glob, value, expected) => {
    expect(globMatches(glob, value)).toBe(expected);
  });

  it("stays fast with many stars against a long value", () => {
    const started = performance.now();
    expect(globMatches("*a*a*a*a*a*a*a*a*a*a*b", "a".repeat(5_000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
