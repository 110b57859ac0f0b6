import { readFileSync } from "node:fs";
import { type BotProcess, freePort, startBotProcess } from "../../test/restart/bot-process.js";

/**
 * N bot processes as production runs them (`node --import tsx src/main.ts`, configured from the
 * environment only), on one store, started together so that the migrations race as they would in a
 * rollout. The process helpers are the restart tests' own, so the benchmark and the tests start the
 * bot the same way.
 */
export interface Fleet {
  readonly bots: readonly BotProcess[];
  /** Peak resident set of each process so far (VmHWM), in MB; NaN where /proc cannot tell. */
  peakRssMb(): number[];
  stop(): Promise<void>;
}

export async function startFleet(count: number, env: Readonly<Record<string, string>>): Promise<Fleet> {
  const started = await Promise.allSettled(
    Array.from({ length: count }, async () =>
      startBotProcess({ port: await freePort(), env, readyTimeoutMs: 60_000 }),
    ),
  );
  const bots = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s) => s.status === "rejected");
  if (failed) {
    await Promise.all(bots.map((bot) => bot.kill()));
    throw failed.reason;
  }
  return {
    bots,
    peakRssMb: () => bots.map((bot) => peakRssMb(bot.pid)),
    stop: async () => {
      await Promise.all(bots.map((bot) => bot.kill()));
    },
  };
}

function peakRssMb(pid: number): number {
  try {
    const kb = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb === undefined ? Number.NaN : Number(kb) / 1024;
  } catch {
    return Number.NaN;
  }
}
