import { describe, expect, it } from "vitest";
import { clickPayload, findClickable } from "../../../devkit/demo/clicks.js";
import type { Button } from "../../../devkit/demo/render.js";
import type { Clickable } from "../../../devkit/demo/transcript.js";
import { createSlackFixtures } from "../../../devkit/testing/index.js";

const button = (n: number, text: string, extra: Partial<Button> = {}): Button => ({
  n,
  text,
  actionId: "ops_run",
  blockId: "ops_next_steps",
  value: `v${n}`,
  url: undefined,
  style: undefined,
  confirm: undefined,
  ...extra,
});
const message = {
  kind: "message",
  channel: "C0DEMO",
  ts: "1.000001",
  ephemeral: true,
  text: "t",
  blocks: [{ type: "divider" }],
} as const;

describe("findClickable", () => {
  const all: Clickable[] = [
    { button: button(1, "◀ Prev"), source: message },
    { button: button(2, "Next ▶"), source: message },
    { button: button(3, "Deploy…"), source: message },
  ];
  it("finds by number, exact text, then part of the text", () => {
    expect(findClickable(all, "2")?.button.text).toBe("Next ▶");
    expect(findClickable(all, "next ▶")?.button.n).toBe(2);
    expect(findClickable(all, "deploy")?.button.n).toBe(3);
    expect(findClickable(all, "7")).toBeUndefined();
    expect(findClickable(all, "approve")).toBeUndefined();
  });
});

describe("clickPayload", () => {
  const fx = createSlackFixtures(undefined, { userId: "U0DEMO2", userName: "bob", channelId: "C0DEMO" });

  it("sends a message click with the action, the message and its container", () => {
    const payload = clickPayload(
      fx,
      { button: button(1, "Approve", { style: "primary" }), source: message },
      "C0X",
    );
    expect(payload.actions[0]).toMatchObject({
      type: "button",
      action_id: "ops_run",
      block_id: "ops_next_steps",
      value: "v1",
      style: "primary",
      text: { type: "plain_text", text: "Approve" },
    });
    expect(payload.user.id).toBe("U0DEMO2");
    expect(payload.container).toMatchObject({
      type: "message",
      message_ts: "1.000001",
      channel_id: "C0DEMO",
      is_ephemeral: true,
    });
    expect(payload.message).toMatchObject({ ts: "1.000001", blocks: [{ type: "divider" }] });
    expect(payload.trigger_id).toMatch(/\S+/);
    expect(payload.response_url).toMatch(/^http/);
  });

  it("sends a modal click with the view and its state", () => {
    const view = fx.view({
      callbackId: "ops_modal",
      id: "V1",
      values: { b: { a: { type: "plain_text_input", value: "x" } } },
    });
    const payload = clickPayload(
      fx,
      { button: button(1, "Add"), source: { kind: "view", viewId: "V1" } },
      "C0X",
      view,
    );
    expect(payload.container).toEqual({ type: "view", view_id: "V1" });
    expect(payload.state?.values).toEqual({ b: { a: { type: "plain_text_input", value: "x" } } });
    expect(() =>
      clickPayload(fx, { button: button(1, "Add"), source: { kind: "view", viewId: "V1" } }, "C0X"),
    ).toThrow();
  });
});
