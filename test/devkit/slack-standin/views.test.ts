import type { types } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import { clientFor, slackError, standInPerTest } from "../../helpers/standin-client.js";

const start = standInPerTest();

function modal(title = "Deploy", extra: Partial<types.ModalView> = {}): types.ModalView {
  return {
    type: "modal",
    callback_id: "deploy",
    title: { type: "plain_text", text: title },
    blocks: [{ type: "section", text: { type: "mrkdwn", text: "Loading…" } }],
    ...extra,
  };
}

/** A clock the test moves by hand, so trigger expiry needs no waiting. */
function manualClock(startMs = 1_700_000_000_000) {
  let now = startMs;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("views.open", () => {
  it("opens a modal for an issued trigger and returns it with id, hash and defaults", async () => {
    const standIn = await start();
    const trigger = standIn.issueTriggerId({ user: "U0ALICE" });
    const res = await clientFor(standIn).views.open({ trigger_id: trigger, view: modal() });

    expect(res.view).toMatchObject({
      id: expect.stringMatching(/^V/),
      hash: expect.any(String),
      callback_id: "deploy",
      title: { type: "plain_text", text: "Deploy" },
      private_metadata: "",
      state: { values: {} },
      previous_view_id: null,
    });
    expect(res.view?.root_view_id).toBe(res.view?.id);
    expect(standIn.view(res.view?.id ?? "")?.user).toBe("U0ALICE");
  });

  it("accepts a trigger only once", async () => {
    const standIn = await start();
    const client = clientFor(standIn);
    const trigger = standIn.issueTriggerId();
    await client.views.open({ trigger_id: trigger, view: modal() });
    expect(await slackError(client.views.open({ trigger_id: trigger, view: modal() }))).toBe(
      "invalid_trigger_id",
    );
  });

  it("refuses a trigger it never issued", async () => {
    const standIn = await start();
    const call = clientFor(standIn).views.open({ trigger_id: "123.456.abcdef", view: modal() });
    expect(await slackError(call)).toBe("invalid_trigger_id");
  });

  it("expires a trigger after 3 seconds", async () => {
    const clock = manualClock();
    const standIn = await start({ clock: clock.now });
    const client = clientFor(standIn);
    const fresh = standIn.issueTriggerId();
    const stale = standIn.issueTriggerId();
    clock.advance(3000);
    await expect(client.views.open({ trigger_id: fresh, view: modal() })).resolves.toMatchObject({
      ok: true,
    });
    clock.advance(1);
    expect(await slackError(client.views.open({ trigger_id: stale, view: modal() }))).toBe(
      "expired_trigger_id",
    );
  });

  it("refuses a title over 24 characters without using up the trigger", async () => {
    const standIn = await start();
    const client = clientFor(standIn);
    const trigger = standIn.issueTriggerId();
    const call = client.views.open({ trigger_id: trigger, view: modal("x".repeat(25)) });
    await expect(call).rejects.toMatchObject({
      data: {
        error: "invalid_arguments",
        response_metadata: { messages: [expect.stringContaining("/view/title/text")] },
      },
    });
    await expect(client.views.open({ trigger_id: trigger, view: modal() })).resolves.toMatchObject({
      ok: true,
    });
  });

  it("refuses more than 100 blocks and a non-modal view", async () => {
    const standIn = await start();
    const client = clientFor(standIn);
    const blocks: types.KnownBlock[] = Array.from({ length: 101 }, () => ({ type: "divider" }));
    const many = client.views.open({ trigger_id: standIn.issueTriggerId(), view: modal("Big", { blocks }) });
    expect(await slackError(many)).toBe("invalid_arguments");
    const home = client.apiCall("views.open", {
      trigger_id: standIn.issueTriggerId(),
      view: { type: "home", blocks: [] },
    });
    expect(await slackError(home)).toBe("invalid_arguments");
  });
});

describe("views.update, views.push, views.publish", () => {
  it("updates by view_id with the current hash and refuses a stale hash", async () => {
    const standIn = await start();
    const client = clientFor(standIn);
    const opened = await client.views.open({ trigger_id: standIn.issueTriggerId(), view: modal() });
    const id = opened.view?.id ?? "";
    const updated = await client.views.update({
      view_id: id,
      hash: opened.view?.hash ?? "",
      view: modal("Ready"),
    });

    expect(updated.view).toMatchObject({ id, title: { text: "Ready" } });
    expect(updated.view?.hash).not.toBe(opened.view?.hash);
    const stale = client.views.update({ view_id: id, hash: opened.view?.hash ?? "", view: modal("Again") });
    expect(await slackError(stale)).toBe("hash_conflict");
  });

  it("updates by external_id, and answers not_found for an unknown view", async () => {
    const standIn = await start();
    const client = clientFor(standIn);
    await client.views.open({
      trigger_id: standIn.issueTriggerId(),
      view: modal("A", { external_id: "req-1" }),
    });
    const updated = await client.views.update({
      external_id: "req-1",
      view: modal("B", { external_id: "req-1" }),
    });
    expect(updated.view?.title).toMatchObject({ text: "B" });
    expect(await slackError(client.views.update({ view_id: "V0NOPE", view: modal() }))).toBe("not_found");
  });

  it("refuses a second view with the same external_id", async () => {
    const standIn = await start();
    const client = clientFor(standIn);
    const view = modal("A", { external_id: "req-1" });
    await client.views.open({ trigger_id: standIn.issueTriggerId(), view });
    expect(await slackError(client.views.open({ trigger_id: standIn.issueTriggerId(), view }))).toBe(
      "duplicate_external_id",
    );
  });

  it("pushes onto the modal the trigger came from, up to three views", async () => {
    const standIn = await start();
    const client = clientFor(standIn);
    const root = await client.views.open({ trigger_id: standIn.issueTriggerId(), view: modal("Root") });
    const rootId = root.view?.id ?? "";
    const second = await client.views.push({
      trigger_id: standIn.issueTriggerId({ viewId: rootId }),
      view: modal("Second"),
    });
    expect(second.view).toMatchObject({ root_view_id: rootId, previous_view_id: rootId });
    const third = await client.views.push({
      trigger_id: standIn.issueTriggerId({ viewId: second.view?.id ?? "" }),
      view: modal("Third"),
    });
    expect(third.view?.previous_view_id).toBe(second.view?.id);
    const fourth = client.views.push({
      trigger_id: standIn.issueTriggerId({ viewId: rootId }),
      view: modal("4"),
    });
    expect(await slackError(fourth)).toBe("push_limit_reached");
  });

  it("publishes a Home tab per user, keeping its id across publishes", async () => {
    const standIn = await start({ users: [{ id: "U0ALICE", name: "alice" }] });
    const client = clientFor(standIn);
    const home: types.HomeView = { type: "home", blocks: [{ type: "divider" }] };
    const first = await client.views.publish({ user_id: "U0ALICE", view: home });
    const second = await client.views.publish({
      user_id: "U0ALICE",
      view: home,
      hash: first.view?.hash ?? "",
    });

    expect(second.view?.id).toBe(first.view?.id);
    expect(await slackError(client.views.publish({ user_id: "U0NOBODY", view: home }))).toBe(
      "user_not_found",
    );
    const events: string[] = [];
    standIn.subscribe((e) => e.type === "view" && events.push(`${e.action}:${e.view.user}`));
    await client.views.publish({ user_id: "U0ALICE", view: home });
    expect(events).toEqual(["published:U0ALICE"]);
  });
});
