import { describe, expect, it } from "vitest";
import { parseLine, splitWords } from "../../../devkit/demo/commands.js";

describe("parseLine", () => {
  it("sends anything starting with / as a slash command with its text", () => {
    expect(parseLine("  /ops  port list  x ")).toEqual({
      kind: "slash",
      command: "/ops",
      text: "port list  x",
    });
    expect(parseLine("/ops")).toEqual({ kind: "slash", command: "/ops", text: "" });
  });

  it("reads the console's own commands", () => {
    expect(parseLine("click Next ▶")).toEqual({ kind: "click", target: "Next ▶" });
    expect(parseLine("select namespace quick")).toEqual({
      kind: "select",
      field: "namespace",
      query: "quick",
    });
    expect(parseLine("as bob")).toEqual({ kind: "as", who: "bob" });
    expect(parseLine("wait")).toEqual({ kind: "wait" });
    expect(parseLine("EXIT")).toEqual({ kind: "quit" });
    expect(parseLine("# a comment")).toEqual({ kind: "empty" });
    expect(parseLine("")).toEqual({ kind: "empty" });
  });

  it("takes quoted submit values, and says what is wrong with a bad line", () => {
    expect(parseLine(`submit port=1 endpoint="a b" 'kind=Load Balancer' text=x\\ny`)).toEqual({
      kind: "submit",
      fields: [
        ["port", "1"],
        ["endpoint", "a b"],
        ["kind", "Load Balancer"],
        ["text", "x\ny"],
      ],
    });
    expect(parseLine("submit port")).toMatchObject({ kind: "error" });
    expect(parseLine('submit a="b')).toEqual({ kind: "error", message: 'missing closing "' });
    expect(parseLine("click")).toMatchObject({ kind: "error" });
    expect(parseLine("dance")).toMatchObject({ kind: "error", message: "unknown command dance: type help" });
  });

  it("keeps empty quoted words", () => {
    expect(splitWords(`a="" b`)).toEqual({ ok: true, words: ["a=", "b"] });
  });
});
