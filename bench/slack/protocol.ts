/** Messages between the Slack benchmark and its child processes (over Node's IPC channel). */

export interface BackendsReady {
  readonly type: "ready";
  readonly deployUrl: string;
  readonly slackUrl: string;
  readonly slackToken: string;
  readonly botId: string;
  readonly botUserId: string;
  /** A finished task configuration load, for the Deploy… button. */
  readonly workId: string;
  readonly users: readonly string[];
}

export type BackendsRequest =
  | {
      readonly type: "issue";
      readonly id: number;
      readonly kind: "response" | "trigger";
      readonly user: string;
      readonly count: number;
    }
  | { readonly type: "slow-deploy"; readonly id: number; readonly ms: number };

export type BackendsReply =
  | { readonly type: "issued"; readonly id: number; readonly values: readonly string[] }
  | { readonly type: "done"; readonly id: number }
  /** A view the bot opened, with the time since the epoch (ms, sub-ms precision) it was recorded. */
  | { readonly type: "view-opened"; readonly user: string; readonly at: number };

export interface BotReady {
  readonly type: "ready";
  readonly port: number;
}

/** Milliseconds since the epoch with sub-millisecond precision, comparable between processes. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
