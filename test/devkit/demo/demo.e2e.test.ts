import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runDemo } from "../../../devkit/demo/run.js";
import { CALYPTIA_SEED } from "../../../devkit/sim/calyptia.js";

/** Runs a script through the console in-process and returns the transcript. */
async function transcriptOf(lines: readonly string[]): Promise<{ code: number; out: string; logs: string }> {
  const output = new PassThrough();
  let out = "";
  output.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
  });
  let logs = "";
  const code = await runDemo({
    input: Readable.from([`${lines.join("\n")}\n`]),
    output,
    env: {},
    logDestination: {
      write: (line: string) => {
        logs += line;
      },
    },
    quietMs: 150,
  });
  return { code, out, logs };
}

/** The part of the transcript a command printed: from its echoed line (starting so) to the next prompt. */
function printedBy(out: string, command: string): string {
  const start = out.indexOf(`> ${command}`);
  if (start < 0) throw new Error(`${command} not in the transcript:\n${out}`);
  const next = out.indexOf("\nalice> ", start + 1);
  const nextBob = out.indexOf("\nbob> ", start + 1);
  const ends = [next, nextBob].filter((i) => i > 0);
  return out.slice(start, ends.length > 0 ? Math.min(...ends) : undefined);
}

describe("npm run demo", () => {
  it("runs a scripted session: help, lists, a modal refused then accepted, a destructive modal", async () => {
    const pipeline = CALYPTIA_SEED.pipelineId;
    const { code, out } = await transcriptOf([
      "/ops help",
      "/ops namespace list",
      "/ops task list",
      `/ops port create ${pipeline}`,
      "submit frontendPort=99999 backendPort=24224 protocol=tcp endpoint=fluent.example.com",
      "submit frontendPort=24224",
      "/ops pipeline kill",
      "close",
      "quit",
    ]);
    expect(code).toBe(0);
    expect(out).toContain("opsbot demo");
    // The bot's logs go to their own stream; stdout is only the transcript.
    expect(out).not.toContain('"level"');

    expect(printedBy(out, "/ops help")).toMatch(/◆ reply · only @alice sees it\n {2}# opsbot help/);
    expect(printedBy(out, "/ops namespace list")).toContain("# Namespaces");
    expect(printedBy(out, "/ops namespace list")).toContain("*quick-start*");
    expect(printedBy(out, "/ops task list")).toContain("*nightly-report* `task-seed-job`");

    const opened = printedBy(out, `/ops port create ${pipeline}`);
    expect(opened).toMatch(/◆ modal opened for @alice \(V\w+\)/);
    expect(opened).toContain("▣ Port create");
    expect(opened).toContain(`Pipeline ID * [arg:pipelineId] text\n    = ${pipeline}`);
    expect(opened).toContain("Frontend port * [arg:frontendPort] whole number");

    const refused = printedBy(out, "submit frontendPort=99999");
    expect(refused).toContain("the bot refused the submission");
    expect(refused).toContain(
      "= 99999\n    hint: Port exposed to clients (0-65535)\n    ✖ Must be between 0 and 65535",
    );
    expect(refused).not.toContain("reply via response_url");

    const accepted = printedBy(out, "submit frontendPort=24224");
    expect(accepted).toContain("(modal submitted and closed)");
    expect(accepted).toMatch(
      /◆ reply via response_url · in #ops-demo · message 1\n {2}# ✅ Port 24224 → 24224 created/,
    );
    expect(accepted).toContain("`port:create` by @alice");

    const kill = printedBy(out, "/ops pipeline kill");
    expect(kill).toContain("▣ Pipeline kill");
    expect(kill).toContain("cannot be undone");
    expect(kill).toContain("Pipeline ID * [arg:id] text");
    expect(printedBy(out, "close")).toContain("(modal closed)");
    expect(out.trimEnd().endsWith("bye")).toBe(true);
  });

  it("clicks a button the bot posted, fills the modal it opens from an external select, and switches user", async () => {
    const { code, out } = await transcriptOf([
      "/ops task load quick_start job_python",
      "wait",
      "click Deploy",
      "select namespace quick",
      "submit namespace=quick-start",
      "as bob",
      "/ops whoami",
      "click 99",
    ]);
    expect(code).toBe(0);
    const load = printedBy(out, "/ops task load quick_start job_python");
    // The console answers the load and moves on; `wait` lets the followed load finish, its updates marked ».
    expect(load).toContain("# Loading the task configuration");
    expect(load).toContain("⏳ `task:load` quick_start/job_python");
    const waited = `${load}${printedBy(out, "wait")}`;
    expect(waited).toMatch(
      /» {3}↳ thread reply to message 2 .*\n {6}# The task configuration is loaded[\s\S]*\[\d\] Deploy/,
    );
    expect(waited).toMatch(/» ◆ #ops-demo · message 2 edited\n {2}✅ `task:load` quick_start\/job_python/);

    const click = printedBy(out, "click Deploy");
    expect(click).toMatch(/◆ modal opened for @alice[\s\S]*⏳ Loading…/);
    expect(click).toMatch(/◆ modal updated for @alice[\s\S]*Namespace \* \[arg:namespace\]/);
    expect(printedBy(out, "select namespace quick")).toContain("• quick-start");
    expect(printedBy(out, "submit namespace=quick-start")).toContain(
      "# ✅ Task deployed from its configuration",
    );

    expect(out).toContain("now acting as @bob (U0DEMO2)");
    expect(printedBy(out, "/ops whoami")).toContain("bob@example.com");
    expect(printedBy(out, "click 99")).toContain("✖ no button 99");
  });
});

describe("npm run demo and what it follows", () => {
  it("answers a run at once, goes on while it runs, and says at the end that it was still followed", async () => {
    const { code, out } = await transcriptOf([
      "/ops pipeline run quick_start pipeline_etl --name etl-late --namespace analytics",
      "/ops namespace list",
    ]);
    expect(code).toBe(0);
    expect(printedBy(out, "/ops pipeline run")).toContain("# ✅ Pipeline started");
    expect(printedBy(out, "/ops namespace list")).toContain("# Namespaces");
    expect(out).toContain(
      "(1 operation is still followed and stops with the demo: end a script with wait to see it finish)\nbye",
    );
  });
});

describe("npm run demo as a process", () => {
  it("prints the transcript on stdout, logs to the file it names, and exits 0 at the end of its input", async () => {
    const child = spawn("npx", ["tsx", "devkit/demo/main.ts"], {
      cwd: new URL("../../..", import.meta.url),
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stdin.end("/ops help\n");
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    const logFile = /^The bot's logs go to (\S+)$/m.exec(stdout)?.[1];
    if (logFile) rmSync(logFile, { force: true });
    expect(code).toBe(0);
    expect(stdout).toContain("# opsbot help");
    expect(stdout).not.toContain('"level"');
    expect(logFile).toMatch(/opsbot-demo-\d+\.log$/);
  }, 30_000);
});
