/** Closed-loop load: `concurrency` workers each send the next request as soon as the last one answered. */

export interface LoadResult {
  /** Latency of every request, in milliseconds. */
  readonly latencies: Float64Array;
  readonly elapsedMs: number;
}

export async function runLoad(
  call: () => Promise<unknown>,
  options: {
    readonly concurrency: number;
    readonly durationMs: number;
    /** Pause of each worker between its requests (not timed): 0 sends the next at once. */
    readonly pauseMs?: number;
  },
): Promise<LoadResult> {
  let latencies = new Float64Array(1 << 14);
  let count = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const worker = async () => {
    for (;;) {
      const t0 = performance.now();
      if (t0 >= deadline) return;
      await call();
      const t1 = performance.now();
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = t1 - t0;
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { latencies: latencies.subarray(0, count), elapsedMs: performance.now() - started };
}

/**
 * Several runs of one contender. Each figure is the median over runs of that run's figure: a burst of
 * noise (another process, a neighbour on the host) spoils one or two runs, not the result.
 */
export class Samples {
  readonly #runs: LoadResult[] = [];

  add(result: LoadResult): void {
    this.#runs.push(result);
  }

  get count(): number {
    return this.#runs.reduce((n, r) => n + r.latencies.length, 0);
  }

  /** Requests per second: the median of the runs. */
  throughput(): number {
    return median(this.#runs.map((r) => (r.elapsedMs > 0 ? (r.latencies.length * 1000) / r.elapsedMs : 0)));
  }

  /** Latency percentile (0-100, nearest rank) in milliseconds: the median of the runs. */
  percentile(p: number): number {
    return median(this.#runs.map((r) => percentile(r.latencies, p)));
  }

  /** Largest over smallest per-run value of a percentile: how noisy the runs were. */
  spread(p: number): number {
    const values = this.#runs.map((r) => percentile(r.latencies, p));
    return Math.max(...values) / Math.min(...values);
  }
}

export function percentile(latencies: Float64Array, p: number): number {
  if (latencies.length === 0) return Number.NaN;
  const sorted = Float64Array.from(latencies).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
