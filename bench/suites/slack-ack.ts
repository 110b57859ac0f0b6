import { randomBytes } from "node:crypto";
import { createSlackFixtures, createSlackSender } from "../../devkit/testing/index.js";
import { ACTION, encodeOperationValue } from "../../src/blocks/ids.js";
import { percentile, runLoad, Samples } from "../load.js";
import { freshSchema } from "../replicas/postgres.js";
import { judged, type Row, type Suite } from "../report.js";
import { type BackendsChild, type BotChild, startBackends, startBot } from "../slack/children.js";
import { epochNow } from "../slack/protocol.js";

/**
 * Slack-facing latency, with the bots and the backends (Deploy simulator, Slack stand-in) in their own
 * processes:
 * - ack latency of signed `/ops namespace list` commands (acknowledged at once, then a Deploy API call
 *   and a reply to the response URL) at 1 and 200 concurrent requests, opsbot against its floor, a bare
 *   Bolt app on the same receiver that only acknowledges (ABBA rounds; see AckLoad);
 * - modal-open latency of the Deploy… button (views.open of its loading state, measured at the Slack
 *   stand-in) while the Deploy API takes 5 s to answer.
 */

/**
 * How commands are sent: `workers` at a time, each pausing `pauseMs` after an ack before its next.
 * Back-to-back at 1 measures the ack queued behind the previous command's own work (its backend call and
 * reply), which the floor does not have; paced at 1 is the ack of a command that finds the bot idle.
 */
export interface AckLoad {
  readonly label: string;
  readonly workers: number;
  readonly pauseMs: number;
  /** Judged against the target; the others are reported for information. */
  readonly judged: boolean;
}

const DEFAULT_LOADS: readonly AckLoad[] = [
  { label: "c=1 paced 5 ms", workers: 1, pauseMs: 5, judged: true },
  { label: "c=1 back-to-back", workers: 1, pauseMs: 0, judged: false },
  { label: "c=200", workers: 200, pauseMs: 0, judged: true },
];

/** A bot under load: the bare Bolt app, or opsbot on SQLite (a file of its own) or on PostgreSQL (a fresh schema). */
export type AckContender = "bare" | "opsbot" | "opsbot-postgres";

export interface SlackAckSuiteOptions {
  readonly name?: string;
  /** What is measured, and its floor: by default opsbot (SQLite) against the bare Bolt app. */
  readonly subject?: AckContender;
  readonly floor?: AckContender;
  /** Whether to measure the modal's opening too (default true). */
  readonly modal?: boolean;
  readonly loads?: readonly AckLoad[];
  readonly rounds?: number;
  readonly runMs?: number;
  readonly warmupMs?: number;
  readonly maxRatio?: number;
  readonly modalClicks?: number;
  readonly modalConcurrency?: number;
  readonly backendDelayMs?: number;
  readonly maxModalMs?: number;
}

export function slackAckSuite(options: SlackAckSuiteOptions = {}): Suite {
  const loads = options.loads ?? DEFAULT_LOADS;
  const rounds = options.rounds ?? 6;
  const runMs = options.runMs ?? 1_000;
  const warmupMs = options.warmupMs ?? 1_000;
  const maxRatio = options.maxRatio ?? 1.2;
  const name = options.name ?? "slack: /ops ack";
  return {
    name,
    run: async (log) => {
      const secret = randomBytes(16).toString("hex");
      const backends = await startBackends();
      const [subject, floorBot] = await Promise.all([
        startContender(options.subject ?? "opsbot", backends, secret),
        startContender(options.floor ?? "bare", backends, secret),
      ]);
      const rows: Row[] = [];
      try {
        const user = backends.users[0] ?? "U0BENCH00";
        const urls = new ResponseUrls(backends, user);
        const fx = createSlackFixtures();
        const commandTo = (url: string) => {
          const send = createSlackSender({ url, signingSecret: secret });
          return async () => {
            const command = fx.command({
              text: "namespace list",
              user_id: user,
              response_url: await urls.next(),
            });
            const res = await send.command(command);
            if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status} ${res.text}`);
          };
        };
        const contenders = { floor: commandTo(floorBot.url), opsbot: commandTo(subject.url) };
        for (const load of loads) {
          const shape = { concurrency: load.workers, pauseMs: load.pauseMs };
          log(`${name}: ${load.label}, warm-up`);
          await urls.fill(Math.max(2_000, load.workers * 20));
          for (const call of [contenders.floor, contenders.opsbot])
            await runLoad(call, { ...shape, durationMs: warmupMs });
          const samples = { floor: new Samples(), opsbot: new Samples() };
          for (let round = 0; round < rounds; round++) {
            const order = round % 2 === 0 ? (["floor", "opsbot"] as const) : (["opsbot", "floor"] as const);
            for (const which of order) {
              await urls.fill(Math.max(2_000, load.workers * 20));
              samples[which].add(await runLoad(contenders[which], { ...shape, durationMs: runMs }));
            }
          }
          log(
            `${name}: ${load.label}: ${samples.floor.count} floor and ${samples.opsbot.count} opsbot commands; ` +
              `run-to-run p99 spread ${samples.floor.spread(99).toFixed(2)}x floor, ${samples.opsbot.spread(99).toFixed(2)}x opsbot`,
          );
          for (const p of [50, 99])
            rows.push(
              judged({
                suite: name,
                metric: `${load.label} p${p}`,
                value: samples.opsbot.percentile(p),
                unit: "ms",
                floor: samples.floor.percentile(p),
                ...(p === 99 && load.judged
                  ? { target: { of: "ratio" as const, op: "<=" as const, bound: maxRatio } }
                  : {}),
              }),
            );
        }
        if (options.modal ?? true)
          rows.push(...(await modalOpen(backends, subject.url, secret, options, log)));
      } finally {
        await Promise.all([subject.stop(), floorBot.stop()]);
        await backends.stop();
      }
      return rows;
    },
  };
}

async function startContender(
  contender: AckContender,
  backends: BackendsChild,
  secret: string,
): Promise<BotChild> {
  if (contender !== "opsbot-postgres") return startBot(contender, backends, secret);
  const schema = freshSchema("opsbot_bench_ack");
  const bot = await startBot("opsbot", backends, secret, {
    kind: "postgres",
    url: schema.url,
    schema: schema.name,
  });
  return {
    url: bot.url,
    stop: async () => {
      await bot.stop();
      await schema.drop();
    },
  };
}

/** Response URLs issued by the stand-in ahead of the runs, so that issuing is not timed. */
class ResponseUrls {
  readonly #pool: string[] = [];
  constructor(
    private readonly backends: BackendsChild,
    private readonly user: string,
  ) {}
  async fill(size: number): Promise<void> {
    if (this.#pool.length < size)
      this.#pool.push(...(await this.backends.issue("response", this.user, size * 2 - this.#pool.length)));
  }
  async next(): Promise<string> {
    if (this.#pool.length === 0) await this.fill(1_000);
    const url = this.#pool.pop();
    if (!url) throw new Error("no response URL");
    return url;
  }
}

/**
 * Clicks on Deploy… (a finished task load), each by its own user so that the view the stand-in records
 * can be matched to the click. Timed from just before the signed request is sent to views.open at the
 * stand-in, across processes on the same clock (epochNow).
 */
async function modalOpen(
  backends: BackendsChild,
  url: string,
  secret: string,
  options: SlackAckSuiteOptions,
  log: (line: string) => void,
): Promise<Row[]> {
  const clicks = options.modalClicks ?? 200;
  const concurrency = Math.min(options.modalConcurrency ?? 8, backends.users.length);
  const delayMs = options.backendDelayMs ?? 5_000;
  const name = "slack: modal open (Deploy…, backend slowed)";
  const send = createSlackSender({ url, signingSecret: secret });
  const value = encodeOperationValue({
    operationId: "task:deploy-config",
    args: { repository: "quick_start", directory: "job_python" },
    loaded: { what: "task", workId: backends.workId },
  });
  if (!value) throw new Error("button value too long");
  const waiting = new Map<string, (at: number) => void>();
  const unsubscribe = backends.onViewOpened((user, at) => waiting.get(user)?.(at));
  await backends.slowDeploy(delayMs);
  log(`${name}: ${clicks} clicks, ${concurrency} at a time, Deploy API answering after ${delayMs} ms`);
  try {
    let left = clicks;
    const latencies: number[] = [];
    const worker = async (user: string) => {
      while (left-- > 0) {
        const [trigger] = await backends.issue("trigger", user, 1);
        const [responseUrl] = await backends.issue("response", user, 1);
        const fx = createSlackFixtures({
          issueTriggerId: () => trigger ?? "",
          issueResponseUrl: () => responseUrl ?? "",
        });
        const payload = fx.blockActions(
          {
            type: "button" as const,
            action_id: ACTION.openModal,
            block_id: "ops_next_steps",
            text: { type: "plain_text" as const, text: "Deploy…" },
            value,
            action_ts: `${Math.floor(Date.now() / 1000)}.000100`,
          },
          { user },
        );
        const opened = new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no modal for ${user} within 10 s`)), 10_000);
          waiting.set(user, (at) => {
            clearTimeout(timer);
            resolve(at);
          });
        });
        const sentAt = epochNow();
        const res = await send.interaction(payload);
        if (res.status !== 200) throw new Error(`click: HTTP ${res.status}`);
        latencies.push((await opened) - sentAt);
        waiting.delete(user);
      }
    };
    await Promise.all(backends.users.slice(0, concurrency).map(worker));
    const measured = Float64Array.from(latencies);
    const maxMs = options.maxModalMs ?? 500;
    return [50, 99].map((p) =>
      judged({
        suite: name,
        metric: `p${p} views.open`,
        value: percentile(measured, p),
        unit: "ms",
        ...(p === 99 ? { target: { of: "value" as const, op: "<=" as const, bound: maxMs } } : {}),
      }),
    );
  } finally {
    unsubscribe();
    await backends.slowDeploy(0);
  }
}
