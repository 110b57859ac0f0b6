import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { CALYPTIA_SEED } from "../../../devkit/sim/calyptia.js";

/**
 * An operator's first hour, as the README walks it: `printf … | npm run -s demo`, a real process fed a
 * script on stdin at the demo's default speed. Followed operations go on while the next lines run, so a
 * run can be killed (with an approval) while it is still running.
 */

const logFiles: string[] = [];
afterEach(() => {
  for (const file of logFiles.splice(0)) rmSync(file, { force: true });
});

async function demo(lines: readonly string[]): Promise<{ code: number | null; out: string; err: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  for (const key of Object.keys(env)) if (/^(SIM_|OPSBOT_|LOG_LEVEL$)/.test(key)) delete env[key];
  const child = spawn("npm", ["run", "-s", "demo"], {
    cwd: new URL("../../..", import.meta.url),
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString("utf8");
  });
  child.stdin.end(`${lines.join("\n")}\n`);
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { code, out, err };
}

/** From the echo of `line` (its nth occurrence) to the next prompt: what that line printed. */
function printedBy(out: string, line: string, nth = 1): string {
  let start = -1;
  for (let i = 0; i < nth; i++) {
    start = out.indexOf(`> ${line}\n`, start + 1);
    if (start < 0) throw new Error(`${line} (#${nth}) not in the transcript:\n${out}`);
  }
  const rest = out.slice(start + line.length + 3);
  const next = rest.search(/^(alice|bob)> /m);
  return next < 0 ? rest : rest.slice(0, next);
}

describe("the first hour in the console demo", () => {
  it("walks lists, an approved prod deploy, a run killed with an approval while it runs, and mentions", async () => {
    const { code, out, err } = await demo([
      "/ops help",
      "/ops namespace list",
      `/ops port create ${CALYPTIA_SEED.pipelineId}`,
      "submit frontendPort=99999 backendPort=24224 protocol=tcp endpoint=fluent.example.com",
      "submit frontendPort=24224",
      "/ops task deploy quick_start job_python --namespace prod-eu",
      "click Approve",
      "as bob",
      "click Approve",
      "wait",
      "as alice",
      "/ops pipeline run quick_start pipeline_etl --name etl-now --namespace analytics",
      "wait 1",
      "click Kill",
      "as bob",
      "click Approve",
      "wait",
      "/ops audit --user @alice --limit 2",
      "/ops task state task-nope",
    ]);
    expect(code).toBe(0);
    expect(err).toBe("");

    // The logs go to a file named at start; none reach the transcript, though a 404 was logged.
    const named = /^The bot's logs go to (\S+)$/m.exec(out);
    expect(named?.[1]).toMatch(/opsbot-demo-\d+\.log$/);
    const logFile = named?.[1] ?? "";
    logFiles.push(logFile);
    expect(existsSync(logFile)).toBe(true);
    expect(readFileSync(logFile, "utf8")).toMatch(/"status":404.*"msg":"operation failed"/);
    expect(out).not.toMatch(/^\s*\{"level"/m);
    expect(out).not.toContain('"msg"');

    expect(printedBy(out, "/ops help")).toContain("# opsbot help");
    // A form: opened from the bare command, refused with the field marked, then accepted.
    expect(printedBy(out, `/ops port create ${CALYPTIA_SEED.pipelineId}`)).toContain("▣ Port create");
    const refused = printedBy(
      out,
      "submit frontendPort=99999 backendPort=24224 protocol=tcp endpoint=fluent.example.com",
    );
    expect(refused).toContain("the bot refused the submission");
    expect(refused).toMatch(/= 99999\n.*\n {4}✖ /);
    const created = printedBy(out, "submit frontendPort=24224");
    expect(created).toContain("(modal submitted and closed)");
    expect(created).toMatch(/Port 24224 → 24224 created/);
    expect(printedBy(out, "/ops namespace list")).toMatch(
      /# Namespaces\n {2}\*analytics\*[\s\S]*\*quick-start\*/,
    );

    // A prod deploy waits for @bob; alice cannot approve it herself; bob's approval runs it as alice.
    const asked = printedBy(out, "/ops task deploy quick_start job_python --namespace prod-eu");
    expect(asked).toContain("# Approval request");
    expect(asked).toMatch(/Rule: production deploys \(1 of [^)]*@bob\)/);
    expect(printedBy(out, "click Approve")).toContain("You cannot approve your own request");
    const approved = printedBy(out, "click Approve", 2);
    expect(approved).toContain("(clicked Approve as @bob)");
    expect(approved).toContain("Approved by @bob: running.");
    // What the approval set off may finish while the click is answered or during `wait`: the console
    // does not hold the next line for it.
    const deployed = approved + printedBy(out, "wait");
    expect(deployed).toContain("Approved by @bob and done: Task deployed");
    const taskCard = /\n◆ #ops-demo · (message \d+)\n {2}⏳ `task:deploy` quick_start\/job_python/.exec(
      deployed,
    )?.[1];
    expect(taskCard).toBeDefined();
    // The followed task reports in its card's thread, marked » as coming on its own, and ends succeeded.
    expect(deployed).toMatch(
      new RegExp(`» {3}↳ thread reply to ${taskCard} in #ops-demo · message \\d+\\n.*\`succeeded\``),
    );
    expect(deployed).toMatch(
      new RegExp(`» ◆ #ops-demo · ${taskCard} edited\\n {2}✅ \`task:deploy\` quick_start/job_python`),
    );

    // The run is answered at once and keeps running; the console goes on meanwhile.
    const started = printedBy(
      out,
      "/ops pipeline run quick_start pipeline_etl --name etl-now --namespace analytics",
    );
    const id = /# ✅ Pipeline started\n {4}ID: `(pipeline-[\w-]+)`/.exec(started)?.[1];
    expect(id).toBeDefined();
    // Its card and first transition come while the run is answered or during `wait 1`; the card's own
    // post is the answer's, its edits come on their own (») and bring the Kill button again.
    const running = started + printedBy(out, "wait 1");
    expect(running).toMatch(
      /◆ #ops-demo · message \d+\n {2}⏳ `pipeline:run`[\s\S]*\[2\] Kill \(asks to confirm\)/,
    );
    const card = /\n◆ #ops-demo · (message \d+)\n {2}⏳ `pipeline:run`/.exec(running)?.[1] ?? "no card";
    expect(running).toMatch(new RegExp(`» ◆ #ops-demo · ${card} edited\\n {2}⏳ \`pipeline:run\``));
    expect(running).toContain("⏳ `running`");

    // Killing it needs @sre's approval; bob gives it while the run is still running.
    const kill = printedBy(out, "click Kill");
    expect(kill).toContain("? Kill?: Kill a running pipeline. This cannot be undone.");
    expect(kill).toContain(`/ops pipeline kill ${id}`);
    expect(kill).toMatch(/Rule: destructive changes \(1 of [^)]*@sre[^)]*\)/);
    const killed = printedBy(out, "click Approve", 3) + printedBy(out, "wait", 2);
    expect(killed).toContain(`Approved by @bob and done: Pipeline ${id} killed`);
    expect(killed).toMatch(new RegExp(`» ◆ #ops-demo · ${card} edited\\n {2}⏹️ \`pipeline:run\``));
    // Killed seconds after it started: no line waited for the run (30 s at the demo's speed) to end.
    const age = /`killed`[^\n]*after (\d+)s/.exec(killed)?.[1];
    expect(Number(age)).toBeLessThan(15);
    expect(killed).not.toContain("`succeeded`");

    // `@alice` typed in the console reaches the bot as Slack's mention, so --user takes it.
    const audit = printedBy(out, "/ops audit --user @alice --limit 2");
    expect(audit).toContain("# Audit log");
    expect(audit).toContain("*execution pipeline:kill* `succeeded`");
    expect(audit).toContain("User: `U0DEMO1`");
    expect(audit).not.toContain("must be a Slack user");

    expect(printedBy(out, "/ops task state task-nope")).toContain("not found");
    expect(out.trimEnd().endsWith("bye")).toBe(true);
  }, 40_000);
});
