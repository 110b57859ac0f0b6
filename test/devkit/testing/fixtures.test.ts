import { describe, expect, it } from "vitest";
import { createSlackFixtures, encodeCommand, encodeInteraction } from "../../../devkit/testing/index.js";
import { clientFor, standInPerTest } from "../../helpers/standin-client.js";

const start = standInPerTest();

describe("createSlackFixtures", () => {
  it("issues triggers from the stand-in, marking clicks in a modal so views.push joins its stack", async () => {
    const standIn = await start();
    const fx = createSlackFixtures(standIn);
    const client = clientFor(standIn);
    const modal = { type: "modal" as const, title: { type: "plain_text" as const, text: "Ops" }, blocks: [] };

    const opened = await client.views.open({ trigger_id: fx.command().trigger_id, view: modal });
    const view = fx.view({ callbackId: "deploy", id: opened.view?.id ?? "" });
    const click = fx.blockActions(fx.button("next"), { view });
    const pushed = await client.views.push({ trigger_id: click.trigger_id, view: modal });

    expect(pushed.view?.previous_view_id).toBe(opened.view?.id);
    expect(click.container).toEqual({ type: "view", view_id: opened.view?.id });
  });

  it("points response_url at the stand-in with the channel and user it was issued for", async () => {
    const standIn = await start();
    const fx = createSlackFixtures(standIn, { userId: "U0BOB", channelId: "C0DEPLOY" });
    const command = fx.command({ text: "help" });
    await fetch(command.response_url, { method: "POST", body: JSON.stringify({ text: "hi" }) });
    expect(standIn.responses()).toEqual([expect.objectContaining({ channel: "C0DEPLOY", user: "U0BOB" })]);
  });

  it("encodes commands as form fields and interactions as one JSON payload field", () => {
    const fx = createSlackFixtures();
    const form = new URLSearchParams(encodeCommand(fx.command({ text: 'a "b" & c' })));
    expect(form.get("command")).toBe("/ops");
    expect(form.get("text")).toBe('a "b" & c');
    const payload = new URLSearchParams(
      encodeInteraction(fx.blockActions(fx.button("go", { value: "1" }))),
    ).get("payload");
    expect(JSON.parse(payload ?? "")).toMatchObject({
      type: "block_actions",
      actions: [{ action_id: "go", value: "1" }],
    });
  });
});
