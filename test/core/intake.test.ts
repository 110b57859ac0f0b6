import pino from "pino";
import { describe, expect, it } from "vitest";
import { createCatalogue } from "../../src/catalogue/index.js";
import { redactedValue } from "../../src/catalogue/sensitive.js";
import { answerInterruptedCommands, journaled } from "../../src/core/intake.js";
import { openSqliteStore } from "../../src/store/index.js";

const T0 = Date.parse("2026-11-23T10:00:00Z");
const STALE_MS = 30_000;
// An owner never registered counts as gone, as a process that died before its first heartbeat.
const entry = (id: string, receivedAt: number, text = "task list", owner = "proc-dead") => ({
  id,
  owner,
  userId: "U0ALICE",
  channelId: "C0OPS0001",
  text,
  responseUrl: `https://hooks.slack.test/commands/${id}`,
  receivedAt,
});

describe("commands interrupted by a restart", () => {
  it("the store keeps what was noted until it is settled, oldest first", async () => {
    const store = openSqliteStore({ path: ":memory:" });
    await store.intake.open(entry("b", T0 + 1));
    await store.intake.open(entry("a", T0));
    await store.intake.open(entry("c", T0 + 2));
    await store.intake.settle("b");
    expect((await store.intake.unsettled()).map((e) => e.id)).toEqual(["a", "c"]);
    await store.close();
  });

  it("tells each person whose response URL still works, once, and forgets every note", async () => {
    const store = openSqliteStore({ path: ":memory:" });
    await store.intake.open(entry("fresh", T0 - 60_000, "task deploy `x` *now*"));
    await store.intake.open(entry("stale", T0 - 31 * 60_000));
    const posted: { url: string; body: Record<string, unknown> }[] = [];
    const deps = { store, logger: pino({ level: "silent" }), now: () => T0, processId: "proc-here" };
    const post = async (url: string, body: Record<string, unknown>) => void posted.push({ url, body });

    expect(await answerInterruptedCommands(deps, post, STALE_MS)).toBe(2);
    expect(posted.map((p) => p.url)).toEqual(["https://hooks.slack.test/commands/fresh"]);
    expect(posted[0]?.body).toMatchObject({ response_type: "ephemeral", replace_original: false });
    expect(String(posted[0]?.body.text)).toContain("opsbot restarted while it was handling");
    expect(String(posted[0]?.body.text)).toContain("check its state before running it again");
    expect(await store.intake.unsettled()).toEqual([]);
    expect(await answerInterruptedCommands(deps, post, STALE_MS)).toBe(0);
    expect(posted).toHaveLength(1);
    await store.close();
  });

  it("forgets the note even when the response URL refuses the notice", async () => {
    const store = openSqliteStore({ path: ":memory:" });
    await store.intake.open(entry("gone", T0));
    const deps = { store, logger: pino({ level: "silent" }), now: () => T0, processId: "proc-here" };
    await answerInterruptedCommands(
      deps,
      async () => {
        throw new Error("expired_url");
      },
      STALE_MS,
    );
    expect(await store.intake.unsettled()).toEqual([]);
    await store.close();
  });

  it("leaves a live replica's commands to it, and answers a stopped one's at once", async () => {
    const store = openSqliteStore({ path: ":memory:" });
    await store.processes.register("proc-live");
    await store.processes.register("proc-stopped");
    await store.processes.markStopped("proc-stopped");
    await store.intake.open(entry("live", T0, "task list", "proc-live"));
    await store.intake.open(entry("stopped", T0 + 1, "task list", "proc-stopped"));
    const posted: string[] = [];
    const deps = { store, logger: pino({ level: "silent" }), now: () => T0, processId: "proc-here" };
    expect(await answerInterruptedCommands(deps, async (url) => void posted.push(url), STALE_MS)).toBe(1);
    expect(posted).toEqual(["https://hooks.slack.test/commands/stopped"]);
    expect((await store.intake.unsettled()).map((e) => [e.id, e.owner])).toEqual([["live", "proc-live"]]);
    await store.close();
  });

  it("keeps a sensitive argument of a noted command as its digest, and the rest as typed", async () => {
    const store = openSqliteStore({ path: ":memory:" });
    const deps = { store, logger: pino({ level: "silent" }), now: () => T0, processId: "proc-here" };
    const deploy = createCatalogue().byId("task:deploy-config");
    if (!deploy) throw new Error("no task:deploy-config");
    const config = '{"name":"hello-job","type":"job","token":"tok-123456"}';
    const command = {
      user_id: "U0ALICE",
      channel_id: "C0OPS0001",
      text: `task deploy-config --namespace analytics --configuration '${config}'`,
      response_url: "https://hooks.slack.test/commands/one",
    };
    const noted: string[] = [];
    const call = { operation: deploy, raw: { namespace: "analytics", configuration: config }, force: false };
    await journaled(
      deps,
      command,
      async () => {},
      async () => {
        noted.push(...(await store.intake.unsettled()).map((e) => e.text));
      },
      call,
    );
    expect(noted).toEqual([
      `task deploy-config --namespace analytics --configuration "${redactedValue(config)}"`,
    ]);
    const plain = { ...command, text: "task list" };
    await journaled(
      deps,
      plain,
      async () => {},
      async () => {
        noted.push(...(await store.intake.unsettled()).map((e) => e.text));
      },
    );
    expect(noted.at(-1)).toBe("task list");
    await store.close();
  });
});
