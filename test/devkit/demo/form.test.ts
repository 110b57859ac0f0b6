import { describe, expect, it } from "vitest";
import { buildStateValues, inputFields, resolveField, stateValueOf } from "../../../devkit/demo/form.js";

const plain = (text: string) => ({ type: "plain_text", text });
const option = (text: string, value = text) => ({ text: plain(text), value });
const input = (blockId: string, label: string, element: Record<string, unknown>) => ({
  type: "input",
  block_id: blockId,
  label: plain(label),
  element: { action_id: "value", ...element },
});

const view = {
  blocks: [
    { type: "section", text: plain("not an input") },
    input("arg:frontendPort", "Frontend port", { type: "number_input", initial_value: "24224" }),
    input("arg:protocol", "Protocol", {
      type: "static_select",
      options: [option("tcp"), option("Yes", "true")],
    }),
    input("arg:namespace", "Namespace", { type: "external_select", action_id: "source:namespaces" }),
    input("arg:tags", "Tags", { type: "checkboxes", options: [option("a"), option("b")] }),
    input("arg:who", "Who", { type: "multi_users_select" }),
  ],
};

describe("modal forms", () => {
  const fields = inputFields(view);

  it("finds a field by block_id, argument name or label", () => {
    expect(fields.map((f) => f.blockId)).toEqual([
      "arg:frontendPort",
      "arg:protocol",
      "arg:namespace",
      "arg:tags",
      "arg:who",
    ]);
    expect(resolveField(fields, "arg:protocol")?.blockId).toBe("arg:protocol");
    expect(resolveField(fields, "frontendPort")?.blockId).toBe("arg:frontendPort");
    expect(resolveField(fields, "frontend-port")?.blockId).toBe("arg:frontendPort");
    expect(resolveField(fields, "Frontend port")?.blockId).toBe("arg:frontendPort");
    expect(resolveField(fields, "nope")).toBeUndefined();
  });

  it("builds state values as Slack sends them: typed, else initial, else empty", () => {
    const built = buildStateValues(
      fields,
      new Map([
        ["arg:protocol", "YES"],
        ["arg:namespace", "quick-start"],
        ["arg:tags", "a, b"],
        ["arg:who", "U1,U2"],
      ]),
    );
    expect(built).toEqual({
      ok: true,
      values: {
        "arg:frontendPort": { value: { type: "number_input", value: "24224" } },
        "arg:protocol": {
          value: {
            type: "static_select",
            selected_option: { text: { type: "plain_text", text: "Yes" }, value: "true" },
          },
        },
        "arg:namespace": {
          "source:namespaces": {
            type: "external_select",
            selected_option: { text: { type: "plain_text", text: "quick-start" }, value: "quick-start" },
          },
        },
        "arg:tags": {
          value: {
            type: "checkboxes",
            selected_options: [
              { text: { type: "plain_text", text: "a" }, value: "a" },
              { text: { type: "plain_text", text: "b" }, value: "b" },
            ],
          },
        },
        "arg:who": { value: { type: "multi_users_select", selected_users: ["U1", "U2"] } },
      },
    });
  });

  it("sends untouched inputs as null and refuses an option the select does not have", () => {
    const [port, protocol] = fields;
    if (!port || !protocol) throw new Error("fields missing");
    expect(stateValueOf(protocol, undefined)).toEqual({
      ok: true,
      value: { type: "static_select", selected_option: null },
    });
    expect(stateValueOf(port, "")).toEqual({ ok: true, value: { type: "number_input", value: null } });
    expect(stateValueOf(protocol, "sctp")).toEqual({
      ok: false,
      message: 'Protocol: no option "sctp" (choose from tcp, true)',
    });
  });
});
