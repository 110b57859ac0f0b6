import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CALYPTIA_SEED } from "../../../devkit/sim/calyptia.js";
import { ORCHESTRATION_SEED } from "../../../devkit/sim/orchestration-world.js";
import type { StoredMessage } from "../../../devkit/slack-standin/types.js";
import { BLOCK } from "../../../src/blocks/ids.js";
import { createCatalogue } from "../../../src/catalogue/index.js";
import { openSqliteStore, type Store } from "../../../src/store/index.js";
import { type AppStack, simulatorBackendsEnv, startAppStack } from "../../helpers/app-stack.js";

// Long operations followed to the end: the real app over signed requests, the simulators moving states
// on their clock, the Slack stand-in recording the parent message, its edits and its thread.

const CHANNEL = "C0OPS0001";
const catalogue = createCatalogue();
let dir: string;
let dbPath: string;
let store: Store;
let stack: AppStack;

async function start(): Promise<AppStack> {
  return startAppStack({
    catalogue,
    users: [{ id: "U0ALICE", name: "alice", email: "alice@example.com" }],
    store,
    env: (sims, settings) => ({
      ...simulatorBackendsEnv(sims, settings),
    }),
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "opsbot-followups-"));
  dbPath = join(dir, "opsbot.db");
  store = openSqliteStore({ path: dbPath });
  stack = await start();
});
afterAll(async () => {
  await stack.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  tries = 750,
): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const text = (m: unknown) => JSON.stringify(m);

/** The follow-up parent message that mentions `subject`, as it stands now. */
function parentOf(subject: string): StoredMessage | undefined {
  return stack.slackApi
    .messages(CHANNEL)
    .find((m) => text(m).includes(subject) && text(m).includes(BLOCK.followUpStatus));
}

function repliesOf(parent: StoredMessage): StoredMessage[] {
  return stack.slackApi.thread(CHANNEL, parent.ts).filter((m) => m.ts !== parent.ts);
}

async function command(textTyped: string) {
  const cmd = stack.fx.command({ text: textTyped });
  const res = await stack.send.command(cmd);
  expect(res.status).toBe(200);
  // A parse error is answered in the acknowledgement itself.
  if (res.text) return res.json() as Readonly<Record<string, unknown>>;
  return stack.responseFor(cmd.response_url);
}

async function finished(subject: string) {
  return until(() => {
    const parent = parentOf(subject);
    // The first block starts with the phase's icon.
    return parent && /✅|❌|⚠️|⏹️/.test(text(parent.blocks?.[0])) ? parent : undefined;
  }, `${subject} to finish`);
}

describe("follow-ups", () => {
  it("follow a deploy to success: status edited in place, each state in the thread once, the end broadcast", async () => {
    expect(
      text(await command("task deploy analytics job_python --name fu-ok --namespace analytics")),
    ).toContain("Task deployed");
    const parent = await until(() => parentOf("analytics/job_python"), "the parent message");
    expect(text(parent)).toContain("Refresh");
    stack.sims.clock.advance(60_000);
    const done = await finished("analytics/job_python");
    expect(text(done)).toContain("succeeded");
    const replies = repliesOf(done);
    const states = replies.map((r) => /`([a-z]+)` at/.exec(text(r))?.[1]).filter(Boolean);
    expect(states.at(-1)).toBe("succeeded");
    expect(new Set(states).size).toBe(states.length);
    const last = stack.slackApi
      .callsTo("chat.postMessage")
      .filter((c) => c.args.thread_ts === done.ts)
      .at(-1);
    // The state says it all: no "succeeded" said twice.
    expect(String(last?.args.text)).toMatch(
      /^✅ `succeeded` at <!date\^\d+\^\{time_secs\}\|[^>]+> · after \d+s$/,
    );
    // Form-encoded by the Web API client, as Slack receives it.
    expect(String(last?.args.reply_broadcast)).toBe("true");
    const rows = await store.followUps.listByRequester("U0ALICE", 10);
    expect(rows.find((f) => f.title === "analytics/job_python")).toMatchObject({ status: "succeeded" });
  });

  it("follow a deploy to failure", async () => {
    await command("task deploy analytics fail_job --name fu-bad --namespace analytics");
    await until(() => parentOf("analytics/fail_job"), "the parent message");
    stack.sims.clock.advance(60_000);
    const done = await finished("analytics/fail_job");
    expect(text(done)).toContain("❌");
    expect(repliesOf(done).some((r) => text(r).includes("`failed` at"))).toBe(true);
    // Why it failed follows in the thread.
    await until(() => repliesOf(done).find((r) => text(r).includes("BackOff")), "why it failed");
  });

  it("follow a log request until DONE, then post the lines in the thread", async () => {
    expect(text(await command(`log request ${CALYPTIA_SEED.pipelineId} --lines 500`))).toContain(
      "Log lines requested",
    );
    await until(() => parentOf(`pipeline ${CALYPTIA_SEED.pipelineId}`), "the parent message");
    stack.sims.clock.advance(60_000);
    const done = await finished(`pipeline ${CALYPTIA_SEED.pipelineId}`);
    await until(
      () => (repliesOf(done).some((r) => text(r).includes("Log of pipeline")) ? true : undefined),
      "the log",
    );
    const file = await until(() => stack.slackApi.files().at(-1), "the uploaded log file");
    expect(file.filename).toMatch(/^pipeline-log-.*\.txt$/);
  });

  it("warn in the thread during a backend outage, and carry on when it is back", async () => {
    stack.sims.deploy.setFaults([{ kind: "error", status: 503, path: "^/v1/task/state" }]);
    try {
      await command("task deploy analytics job_python --name fu-outage --namespace analytics");
      const parent = await until(
        () => parentOf("fu-outage") ?? parentOf("analytics/job_python#2"),
        "the parent",
        50,
      ).catch(() => undefined);
      const row = await until(
        async () => (await store.followUps.active()).find((f) => f.failures > 0),
        "a failed poll",
      );
      const warned = await until(
        () => stack.slackApi.thread(CHANNEL, row.parentTs ?? "").find((m) => text(m).includes("⚠️")),
        "the warning",
      );
      expect(text(warned)).toContain("Still following");
      expect(parent === undefined || parent.ts === row.parentTs).toBe(true);
      stack.sims.deploy.setFaults([]);
      stack.sims.clock.advance(60_000);
      await until(
        async () => ((await store.followUps.get(row.id))?.status === "succeeded" ? true : undefined),
        "success",
      );
      const warnings = stack.slackApi
        .thread(CHANNEL, row.parentTs ?? "")
        .filter((m) => text(m).includes("⚠️"));
      expect(warnings).toHaveLength(1);
    } finally {
      stack.sims.deploy.setFaults([]);
    }
  });

  it("ride out Slack answering 429 with Retry-After", async () => {
    stack.slackApi.inject("chat.postMessage", { kind: "rate_limited", retryAfter: 1 }, 1);
    await command("task deploy analytics job_python --name fu-429 --namespace analytics");
    const row = await until(
      async () =>
        (await store.followUps.listByRequester("U0ALICE", 20)).find(
          (f) => f.parentTs && f.poll.args.id && f.status === "active",
        ),
      "the parent despite a 429",
    );
    stack.sims.clock.advance(60_000);
    await until(
      async () => ((await store.followUps.get(row.id))?.status === "succeeded" ? true : undefined),
      "success",
    );
  });

  it("resume after a restart without posting any state twice", async () => {
    await command("task deploy analytics job_python --name fu-restart --namespace analytics");
    const row = await until(
      async () => (await store.followUps.active()).find((f) => f.parentTs !== undefined && f.seq >= 1),
      "a first transition",
    );
    const parentTs = row.parentTs ?? "";
    await stack.restartBot();
    expect((await store.followUps.get(row.id))?.status).toBe("active");
    stack.sims.clock.advance(60_000);
    const final = await until(async () => {
      const f = await store.followUps.get(row.id);
      return f && f.status !== "active" ? f : undefined;
    }, "the resumed follow-up to end");
    expect(final.status).toBe("succeeded");
    const transitions = await store.followUps.transitions(row.id);
    expect(transitions.map((t) => t.seq)).toEqual(transitions.map((_, i) => i + 1));
    const statesInThread = () =>
      stack.slackApi
        .thread(CHANNEL, parentTs)
        .filter((m) => m.ts !== parentTs)
        .map((m) => /`([a-z]+)` at/.exec(text(m))?.[1])
        .filter(Boolean);
    // The final state is recorded before it is posted: wait for the thread to show it, then compare.
    await until(
      () => (statesInThread().length >= transitions.length ? true : undefined),
      "every state posted",
    );
    expect(statesInThread()).toEqual(transitions.map((t) => t.state));
  });
  it("shows a killed run as stopped (⏹️ killed), not as failed, and says each ending word once", async () => {
    await command("pipeline run quick_start pipeline_seq --name fu-kill --namespace analytics");
    const row = await until(
      async () =>
        (await store.followUps.active()).find(
          (f) => f.parentTs !== undefined && f.poll.operationId === "pipeline:state",
        ),
      "the run followed",
    );
    await command(`pipeline kill ${row.poll.args.id}`);
    const parent = await until(() => {
      const found = stack.slackApi.messages(CHANNEL).find((m) => m.ts === row.parentTs);
      return found && /⏹️ killed after/.test(text(found.blocks)) ? found : undefined;
    }, "the parent to show the kill");
    expect(text(parent.blocks)).not.toMatch(/❌|failed/);
    const last = await until(
      () => repliesOf(parent).find((r) => text(r).includes("`killed` at")),
      "the final state in the thread",
    );
    expect(text(last)).toMatch(/⏹️ `killed` at <!date\^\d+\^\{time_secs\}\|[^>]+> · after/);
  });

  it("after a crash between recording a state and posting it, post it once: not again if Slack has it", async () => {
    await command("task deploy analytics job_python --name fu-crash --namespace analytics");
    const row = await until(
      async () =>
        (await store.followUps.active()).find(
          (f) => f.parentTs !== undefined && f.title.includes("job_python") && f.seq === 0,
        ),
      "a fresh follow-up",
      // A loaded machine (the whole suite on 2 cores) can take longer than the default to post it.
      2_000,
    );
    await stack.restartBot();
    // As if the process died right after recording transition 1: recorded, never posted.
    await store.followUps.transition(
      row.id,
      { expectedSeq: 0, state: "pending", nextPollAt: Date.now() + 60_000 },
      Date.now(),
    );
    await stack.restartBot();
    const parentTs = row.parentTs ?? "";
    const first = await until(
      () => stack.slackApi.thread(CHANNEL, parentTs).find((m) => text(m).includes("`pending` at")),
      "the recorded state posted on resume",
    );
    expect((await store.followUps.transitions(row.id))[0]?.postedTs).toBe(first.ts);
    // Now it is posted but, as if the process died before marking it, not marked: a resume must find it.
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(dbPath);
    db.prepare("UPDATE followup_transitions SET posted_ts = NULL WHERE followup_id = ?").run(row.id);
    db.close();
    await stack.restartBot();
    await until(
      async () => ((await store.followUps.transitions(row.id))[0]?.postedTs ? true : undefined),
      "marked",
    );
    const pendings = stack.slackApi.thread(CHANNEL, parentTs).filter((m) => text(m).includes("`pending` at"));
    expect(pendings).toHaveLength(1);
    // Three restarts of the bot: room for a loaded machine.
  }, 45_000);
  it("follow a core-instance check, an allocation being disabled and a payload reservation to their end", async () => {
    expect(
      text(
        await command(
          `check create ${CALYPTIA_SEED.coreInstanceId} --protocol tcp --host fluent.example.com --port 24224`,
        ),
      ),
    ).toContain("created");
    expect(text(await command(`allocation disable ${ORCHESTRATION_SEED.secondAllocationId}`))).toContain(
      "disabled",
    );
    expect(text(await command("payload reserve --selector mode=casual"))).toContain("reserved");
    stack.sims.clock.advance(120_000);
    const check = await finished("tcp fluent.example.com:24224");
    expect(text(check)).toContain("✅");
    const allocation = await finished(`allocation ${ORCHESTRATION_SEED.secondAllocationId}`);
    expect(text(allocation)).toMatch(/Disabled|Stopped/);
    const payload = await finished("payload ");
    expect(text(payload)).toContain("Reserved");
  });
  it("follow a payload deletion until the payload is gone", async () => {
    const id = ORCHESTRATION_SEED.payloads.casualDesert;
    expect(text(await command(`payload delete ${id} --force-delete`))).toContain("deleted");
    const subject = `payload:delete\` payload ${id}`;
    await until(() => parentOf(subject), "the parent message");
    stack.sims.clock.advance(120_000);
    const done = await finished(subject);
    expect(text(done)).toContain("Deleted");
  });
});
