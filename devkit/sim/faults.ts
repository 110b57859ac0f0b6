import { z } from "zod";

/**
 * Faults a simulator can inject, settable per test (in process or over HTTP at `/__sim/faults`).
 * Each fault applies to the requests it matches, with a probability, a limited number of times.
 */
export const faultSchema = z.object({
  kind: z.enum([
    /** Wait `latencyMs` before handling the request normally. */
    "latency",
    /** Answer `status` (default 500) with a JSON error body. */
    "error",
    /** Answer 429 with `Retry-After: retryAfterSeconds`. */
    "rate_limit",
    /** Destroy the socket without answering. */
    "reset",
    /** Answer 200 with a body that is not valid JSON. */
    "malformed_json",
    /** Answer 200 with a JSON body of the wrong shape. */
    "wrong_shape",
    /** Send the headers, then the body slowly, one byte every `latencyMs`. */
    "slow_body",
    /** Send the headers and half the body, then destroy the socket. */
    "truncated_body",
  ]),
  method: z.string().toUpperCase().optional(),
  /** Regular expression tested against the request path (without the query string). */
  path: z.string().optional(),
  status: z.number().int().min(400).max(599).default(500),
  retryAfterSeconds: z.number().int().min(0).default(1),
  latencyMs: z.number().int().min(0).max(120_000).default(100),
  /** Chance in [0, 1] that a matching request is hit. */
  probability: z.number().min(0).max(1).default(1),
  /** What an `error` says in the backend's error body instead of "injected failure" (hostile text). */
  message: z.string().max(10_000).optional(),
  /** What `wrong_shape` answers instead of `{"unexpected": true}` (valid JSON the client must refuse). */
  body: z.unknown().optional(),
  /** How many requests it hits before it is used up; absent means without limit. */
  times: z.number().int().min(1).optional(),
});

export type FaultInput = z.input<typeof faultSchema>;
export type Fault = z.output<typeof faultSchema>;

interface ActiveFault {
  readonly fault: Fault;
  readonly pathPattern: RegExp | undefined;
  remaining: number;
}

export class FaultInjector {
  #faults: ActiveFault[] = [];
  readonly #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  /** Replaces the fault list. */
  set(faults: readonly FaultInput[]): void {
    this.#faults = faults.map((input) => {
      const fault = faultSchema.parse(input);
      return {
        fault,
        pathPattern: fault.path === undefined ? undefined : new RegExp(fault.path),
        remaining: fault.times ?? Number.POSITIVE_INFINITY,
      };
    });
  }

  add(fault: FaultInput): void {
    // Used-up faults are dropped: re-parsing them with `times: 0` would fail the schema.
    const live = this.#faults.filter((f) => f.remaining > 0);
    this.set([...live.map((f) => ({ ...f.fault, times: finite(f.remaining) })), fault]);
  }

  clear(): void {
    this.#faults = [];
  }

  /** The faults that hit this request, in order (a latency fault may precede another fault). */
  take(method: string, path: string): Fault[] {
    const hits: Fault[] = [];
    for (const active of this.#faults) {
      if (active.remaining <= 0) continue;
      if (active.fault.method && active.fault.method !== method) continue;
      if (active.pathPattern && !active.pathPattern.test(path)) continue;
      if (this.#random() >= active.fault.probability) continue;
      active.remaining--;
      hits.push(active.fault);
    }
    return hits;
  }
}

function finite(n: number): number | undefined {
  return Number.isFinite(n) ? n : undefined;
}
