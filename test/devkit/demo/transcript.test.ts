import { describe, expect, it } from "vitest";
import { ModalTracker } from "../../../devkit/demo/modals.js";
import { PLAIN } from "../../../devkit/demo/style.js";
import { Transcript } from "../../../devkit/demo/transcript.js";
import type { RecordedCall, StandInEvent } from "../../../devkit/slack-standin/index.js";

/** The Transcript fed with stand-in events as the stand-in emits them; what it prints. */
function setUp() {
  let out = "";
  const modals = new ModalTracker();
  const transcript = new Transcript({
    write: (text) => {
      out += text;
    },
    style: PLAIN,
    names: { users: new Map([["U0DEMO1", "alice"]]), channels: new Map([["C0DEMO", "ops-demo"]]) },
    modals,
  });
  let seq = 0;
  const call = (method: string, args: Record<string, unknown>, response: Record<string, unknown>) => {
    const recorded: RecordedCall = { seq: ++seq, method, args, at: 0, status: 200, response };
    transcript.onEvent({ type: "call", call: recorded });
  };
  return { transcript, modals, call, out: () => out, emit: (e: StandInEvent) => transcript.onEvent(e) };
}

const section = (text: string) => ({ type: "section", text: { type: "mrkdwn", text } });
const button = (text: string) => ({
  type: "button",
  action_id: "ops_run",
  text: { type: "plain_text", text },
});

describe("Transcript", () => {
  it("prints messages, thread replies under their parent, edits, ephemerals, deletions and failed calls", () => {
    const { call, out } = setUp();
    call(
      "chat.postMessage",
      { channel: "C0DEMO", text: "Deploying" },
      { ok: true, channel: "C0DEMO", ts: "1.000001" },
    );
    call(
      "chat.postMessage",
      { channel: "C0DEMO", thread_ts: "1.000001", blocks: [section("step 1 done")] },
      { ok: true, channel: "C0DEMO", ts: "1.000002" },
    );
    call(
      "chat.update",
      { channel: "C0DEMO", ts: "1.000001", text: "Deployed" },
      { ok: true, channel: "C0DEMO" },
    );
    call(
      "chat.postEphemeral",
      { channel: "C0DEMO", user: "U0DEMO1", text: "psst" },
      { ok: true, message_ts: "1.5" },
    );
    call("chat.delete", { channel: "C0DEMO", ts: "1.000002" }, { ok: true, channel: "C0DEMO" });
    call("chat.postMessage", { channel: "C0NOPE", text: "x" }, { ok: false, error: "not_in_channel" });
    call("users.info", { user: "U0DEMO1" }, { ok: true });
    expect(out()).toBe(
      [
        "◆ #ops-demo · message 1",
        "  Deploying",
        "  ↳ thread reply to message 1 in #ops-demo · message 2",
        "      step 1 done",
        "◆ #ops-demo · message 1 edited",
        "  Deployed",
        "◆ #ops-demo · only @alice sees it",
        "  psst",
        "◆ #ops-demo · message 2 deleted",
        "✖ chat.postMessage failed: not_in_channel",
        "",
      ].join("\n"),
    );
  });

  it("prints response_url posts with where they go, and gives an in_channel one the ts of its message", async () => {
    const { emit, out, transcript } = setUp();
    const response = (body: Record<string, unknown>) => ({
      id: "R1",
      url: "http://127.0.0.1/response/R1",
      body,
      at: 0,
      channel: "C0DEMO",
      user: "U0DEMO1",
    });
    emit({
      type: "response",
      response: response({
        response_type: "in_channel",
        blocks: [{ type: "actions", elements: [button("Run")] }],
      }),
    });
    emit({ type: "message", message: { channel: "C0DEMO", ts: "9.000001", user: "U0OPSBOT", botId: "B" } });
    emit({ type: "response", response: response({ text: "page 2", replace_original: true }) });
    emit({ type: "response", response: response({ delete_original: true }) });
    await Promise.resolve();
    expect(out()).toBe(
      [
        "◆ reply via response_url · in #ops-demo · message 1",
        "  [1] Run",
        "◆ reply via response_url · only @alice sees it · replaces the message clicked",
        "  page 2",
        "◆ reply via response_url: deletes the message clicked",
        "",
      ].join("\n"),
    );
    expect(transcript.clickables[0]?.source).toMatchObject({
      kind: "message",
      channel: "C0DEMO",
      ts: "9.000001",
      ephemeral: false,
    });
  });

  it("numbers buttons anew for each command and holds the bot's output until the reply is printed", () => {
    const { call, transcript, out } = setUp();
    const post = (label: string, ts: string) =>
      call(
        "chat.postMessage",
        { channel: "C0DEMO", blocks: [{ type: "actions", elements: [button(label)] }] },
        { ok: true, ts },
      );
    transcript.startCommand();
    post("A", "1.1");
    post("B", "1.2");
    expect(transcript.clickables.map((c) => `${c.button.n} ${c.button.text}`)).toEqual(["1 A", "2 B"]);
    transcript.startCommand();
    transcript.hold();
    post("C", "1.3");
    transcript.line("the reply");
    transcript.release();
    expect(transcript.clickables.map((c) => `${c.button.n} ${c.button.text}`)).toEqual(["1 C"]);
    expect(out().split("\n").slice(-4)).toEqual(["the reply", "◆ #ops-demo · message 3", "  [1] C", ""]);
  });

  it("prints a file's name, size and first lines", () => {
    const { emit, out } = setUp();
    const bytes = Buffer.from(["l1", "l2", "l3", "l4", "l5", "l6", "l7"].join("\n"));
    emit({
      type: "file",
      file: {
        id: "F1",
        filename: "log.txt",
        length: bytes.length,
        bytes,
        completed: true,
        channel: "C0DEMO",
      },
    });
    expect(out()).toBe(
      [
        "📎 file log.txt in #ops-demo (7 lines, 20 bytes)",
        "  │ l1",
        "  │ l2",
        "  │ l3",
        "  │ l4",
        "  │ l5",
        "  │ … 2 more lines",
        "",
      ].join("\n"),
    );
  });

  it("tracks modals opened, pushed and updated through the stand-in", () => {
    const { emit, modals, out } = setUp();
    const view = (id: string, title: string) => ({
      id,
      hash: `${id}.h`,
      type: "modal",
      rootViewId: "V1",
      previousViewId: null,
      user: "U0DEMO1",
      json: { id, title: { type: "plain_text", text: title }, blocks: [] },
    });
    emit({ type: "view", action: "opened", view: view("V1", "First") });
    emit({ type: "view", action: "pushed", view: view("V2", "Second") });
    emit({ type: "view", action: "updated", view: view("V2", "Second, updated") });
    expect(modals.top("U0DEMO1")?.json.title).toEqual({ type: "plain_text", text: "Second, updated" });
    expect(modals.pop("U0DEMO1")?.id).toBe("V1");
    expect(out()).toContain("◆ modal pushed for @alice (V2)\n  ▣ Second\n");
  });

  it("marks » what arrives on its own: between commands, and every update of a followed operation", () => {
    const { call, out, transcript } = setUp();
    const card = (text: string) => ({
      channel: "C0DEMO",
      blocks: [
        { ...section(text), block_id: "ops_followup_status" },
        { type: "actions", elements: [button("Kill")] },
      ],
    });
    transcript.startCommand();
    call("chat.postMessage", card("starting"), { ok: true, channel: "C0DEMO", ts: "2.000001" });
    call(
      "chat.postMessage",
      { channel: "C0DEMO", thread_ts: "2.000001", text: "running" },
      { ok: true, channel: "C0DEMO", ts: "2.000002" },
    );
    call(
      "chat.postMessage",
      { channel: "C0DEMO", text: "answer" },
      { ok: true, channel: "C0DEMO", ts: "2.3" },
    );
    transcript.endCommand();
    call("chat.update", { ...card("killed"), ts: "2.000001" }, { ok: true, channel: "C0DEMO" });
    call(
      "chat.postMessage",
      { channel: "C0DEMO", text: "later" },
      { ok: true, channel: "C0DEMO", ts: "2.4" },
    );
    expect(out()).toBe(
      [
        "◆ #ops-demo · message 1",
        "  starting",
        "  [1] Kill",
        "»   ↳ thread reply to message 1 in #ops-demo · message 2",
        "      running",
        "◆ #ops-demo · message 3",
        "  answer",
        "» ◆ #ops-demo · message 1 edited",
        "  killed",
        "  [2] Kill",
        "» ◆ #ops-demo · message 4",
        "  later",
        "",
      ].join("\n"),
    );
    // What arrives on its own joins the numbering the command started; the newest Kill is the edit's.
    expect(transcript.clickables.map((c) => c.button.n)).toEqual([1, 2]);
    // A `wait` starts a command that prints nothing of its own: what arrives numbers on.
    transcript.startCommand();
    transcript.endCommand();
    call("chat.update", { ...card("still killed"), ts: "2.000001" }, { ok: true, channel: "C0DEMO" });
    expect(transcript.clickables.map((c) => c.button.n)).toEqual([1, 2, 3]);
    transcript.startCommand();
    call("chat.postMessage", card("again"), { ok: true, channel: "C0DEMO", ts: "2.5" });
    expect(transcript.clickables.map((c) => c.button.n)).toEqual([1]);
  });
});
