import { describe, expect, it } from "vitest";
import {
  ACTION,
  actionPattern,
  argBlockId,
  argNameOf,
  BLOCK,
  CALLBACK,
  decodeOperationValue,
  encodeOperationValue,
  numberedAction,
  sourceActionId,
  sourceOf,
} from "../../src/blocks/ids.js";

describe("ids", () => {
  it("keeps every constant unique and within Slack's 255 characters", () => {
    const all = [...Object.values(CALLBACK), ...Object.values(ACTION), ...Object.values(BLOCK)];
    for (const id of all) expect(id.length).toBeLessThanOrEqual(255);
    expect(new Set(Object.values(CALLBACK)).size).toBe(Object.values(CALLBACK).length);
    expect(new Set(Object.values(ACTION)).size).toBe(Object.values(ACTION).length);
    expect(new Set(Object.values(BLOCK)).size).toBe(Object.values(BLOCK).length);
    expect(CALLBACK.operationModal).toBe("ops_modal");
  });

  it("builds and parses argument block ids", () => {
    expect(argBlockId("frontendPort")).toBe("arg:frontendPort");
    expect(argNameOf("arg:frontendPort")).toBe("frontendPort");
    expect(argNameOf("arg:")).toBeUndefined();
    expect(argNameOf(BLOCK.warning)).toBeUndefined();
    expect(() => argBlockId("x".repeat(300))).toThrow(/255/);
  });

  it("carries an external select's source in its action id", () => {
    expect(sourceActionId("task-templates")).toBe("source:task-templates");
    expect(sourceOf("source:namespaces")).toBe("namespaces");
    expect(sourceOf("source:secrets")).toBeUndefined();
    expect(sourceOf("source:toString")).toBeUndefined();
    expect(sourceOf("value")).toBeUndefined();
  });

  it("numbers repeated actions and matches them with one pattern", () => {
    const pattern = actionPattern(ACTION.runOperation);
    expect(numberedAction(ACTION.runOperation, 1)).toBe(ACTION.runOperation);
    expect(pattern.test(numberedAction(ACTION.runOperation, 3))).toBe(true);
    expect(pattern.test(ACTION.runOperation)).toBe(true);
    expect(pattern.test(`${ACTION.runOperation}x`)).toBe(false);
    expect(pattern.test(ACTION.openModal)).toBe(false);
  });

  it("round-trips operation values and rejects anything else", () => {
    const value = {
      operationId: "task:deploy",
      args: { repository: "r", selector: ["a=b", "c=d"] },
      page: 2,
    };
    const encoded = encodeOperationValue(value);
    expect(encoded).toBeDefined();
    expect(decodeOperationValue(encoded)).toEqual(value);
    expect(
      decodeOperationValue(encodeOperationValue({ operationId: "a:b", args: { x: undefined } })),
    ).toEqual({
      operationId: "a:b",
      args: {},
    });
    expect(decodeOperationValue("not json")).toBeUndefined();
    expect(decodeOperationValue(42)).toBeUndefined();
    expect(decodeOperationValue(JSON.stringify({ o: "not an id!", a: {} }))).toBeUndefined();
    expect(decodeOperationValue(JSON.stringify({ o: "a:b", a: { x: 1 } }))).toBeUndefined();
    expect(decodeOperationValue(JSON.stringify({ o: "a:b", a: {}, p: -1 }))).toBeUndefined();
  });

  it("refuses to encode a value longer than a button allows", () => {
    expect(encodeOperationValue({ operationId: "a:b", args: { x: "y".repeat(2_000) } })).toBeUndefined();
  });
});
