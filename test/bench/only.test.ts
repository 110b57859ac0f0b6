import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("npm run bench -- --only", () => {
  it("says so and fails when no suite matches, listing the suites", async () => {
    const failure = await run(process.execPath, ["--import", "tsx", "bench/main.ts", "--only", "modal"], {
      timeout: 60_000,
    }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain(`no suite's name contains "modal"`);
    expect(failure?.stderr).toContain("slack: /ops ack");
  }, 90_000);
});
