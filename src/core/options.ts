import type { ApiClients } from "../api/index.js";
import type { AnyOperation, OptionSource } from "../catalogue/define.js";
import type { OptionsTally } from "./options-tally.js";
import type { AccessControl } from "./policy/access.js";
import { RateLimiter } from "./rate-limit.js";

/** The read each source's names come from: seeing them in a dropdown is running that read. */
export const SOURCE_READS: Readonly<Record<OptionSource, string>> = {
  namespaces: "namespace:list",
  "task-templates": "task:templates",
  "pipeline-templates": "pipeline:templates",
};

/** The names a form's dropdown offers, from the Deploy API's list endpoints. */
export async function optionNames(
  api: Pick<ApiClients, "deploy">,
  source: OptionSource,
  signal: AbortSignal,
): Promise<string[]> {
  switch (source) {
    case "namespaces":
      return (await api.deploy.listNamespaces({}, { signal })).map((namespace) => namespace.name);
    case "task-templates":
      return [...(await api.deploy.listTaskTemplates({}, { signal }))];
    case "pipeline-templates":
      return [...(await api.deploy.listPipelineTemplates({}, { signal }))];
  }
}

export interface OptionsRequest {
  readonly userId: string;
  readonly channelId: string;
  /** The form the dropdown is in. */
  readonly operation: AnyOperation;
  readonly source: OptionSource;
  readonly signal: AbortSignal;
}

export interface OptionsSettings {
  /** Per person: at most `limit` answered requests in `windowMs` (default 10 in 10 s). */
  readonly limit: number;
  readonly windowMs: number;
  /** How long a source's names are reused (default 10 s): one backend call for a burst of keystrokes. */
  readonly cacheMs: number;
}

export const DEFAULT_OPTIONS_SETTINGS: OptionsSettings = { limit: 10, windowMs: 10_000, cacheMs: 10_000 };

export interface OptionsDeps {
  readonly api: Pick<ApiClients, "deploy">;
  readonly access: Pick<AccessControl, "check">;
  readonly tally: Pick<OptionsTally, "count">;
  readonly now: () => number;
  readonly settings?: Partial<OptionsSettings>;
  /** People the rate limit remembers at most (the least recently seen go first). */
  readonly maxPeople?: number;
}

/**
 * Dropdown options (one request per keystroke) through the same permission decision as the form
 * itself: the person must be allowed the form's operation and the read the names come from. Answered
 * from a short per-source cache, at most so often per person, and counted for the audit log rather than
 * written one row per keystroke. Anything refused, limited or failing answers no options.
 */
export class OptionsService {
  readonly #deps: OptionsDeps;
  readonly #settings: OptionsSettings;
  readonly #limiter: RateLimiter;
  readonly #cache = new Map<OptionSource, { until: number; names: Promise<string[]> }>();

  constructor(deps: OptionsDeps) {
    this.#deps = deps;
    this.#settings = { ...DEFAULT_OPTIONS_SETTINGS, ...deps.settings };
    this.#limiter = new RateLimiter({
      limit: this.#settings.limit,
      windowMs: this.#settings.windowMs,
      ...(deps.maxPeople ? { maxKeys: deps.maxPeople } : {}),
      now: deps.now,
    });
  }

  async names(request: OptionsRequest): Promise<string[]> {
    const { userId, channelId, operation, source } = request;
    const count = (outcome: "answered" | "refused" | "limited" | "failed") =>
      this.#deps.tally.count({ userId, channelId, operationId: SOURCE_READS[source], outcome });
    if (!Object.values(operation.args).some((def) => def.source === source)) {
      count("refused");
      return [];
    }
    if (!this.#limiter.take(userId)) {
      count("limited");
      return [];
    }
    for (const operationId of [operation.id, SOURCE_READS[source]]) {
      const permission = await this.#deps.access.check(userId, channelId, operationId);
      if (!permission.allowed) {
        count("refused");
        return [];
      }
    }
    try {
      const names = await this.#cached(source, request.signal);
      count("answered");
      return names;
    } catch {
      count("failed");
      return [];
    }
  }

  #cached(source: OptionSource, signal: AbortSignal): Promise<string[]> {
    const now = this.#deps.now();
    const hit = this.#cache.get(source);
    if (hit && hit.until > now) return hit.names;
    const names = optionNames(this.#deps.api, source, signal);
    const entry = { until: now + this.#settings.cacheMs, names };
    this.#cache.set(source, entry);
    // A failure is not reused: the next keystroke asks again.
    names.catch(() => {
      if (this.#cache.get(source) === entry) this.#cache.delete(source);
    });
    return names;
  }
}
