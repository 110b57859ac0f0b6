/**
 * "The bot has settled": nothing new from the Slack stand-in for a quiet period, and nothing known to be
 * under way, with an upper bound so a stuck request cannot hang a script.
 */
export class Activity {
  #last = Date.now();

  touch(): void {
    this.#last = Date.now();
  }

  get idleMs(): number {
    return Date.now() - this.#last;
  }
}

export interface SettleOptions {
  readonly quietMs?: number;
  readonly maxMs?: number;
  /** True while work is known to be under way (requests being handled, operations being followed). */
  readonly busy?: () => boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function settle(activity: Activity, options: SettleOptions = {}): Promise<void> {
  const quietMs = options.quietMs ?? 300;
  const deadline = Date.now() + (options.maxMs ?? 20_000);
  while (Date.now() < deadline) {
    if (activity.idleMs >= quietMs && !options.busy?.()) return;
    await sleep(Math.min(50, quietMs));
  }
}
