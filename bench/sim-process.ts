import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { SimChildInfo } from "./sim-child.js";

export interface SimProcess extends SimChildInfo {
  stop(): Promise<void>;
}

/** Starts bench/sim-child.ts under tsx in a child process and waits for its URL. */
export async function startSimProcess(): Promise<SimProcess> {
  const child = fork(fileURLToPath(new URL("./sim-child.ts", import.meta.url)), [], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    execArgv: ["--import", "tsx"],
    // The child's stdout must not mix with the report (`--json` prints one object on stdout).
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const info = await new Promise<SimChildInfo>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the simulator did not start within 20 s")), 20_000);
    child.once("message", (message) => {
      clearTimeout(timer);
      resolve(message as SimChildInfo);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the simulator exited with code ${code}`));
    });
  });
  return {
    ...info,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.disconnect();
      await exited;
    },
  };
}
