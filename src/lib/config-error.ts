/** A setting opsbot cannot start with: which variable, and what is wrong with it. */
export interface ConfigProblem {
  readonly variable: string;
  readonly message: string;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `opsbot cannot start: ${problems.length} configuration problem${problems.length === 1 ? "" : "s"}\n${problems
        .map((p) => `  - ${p.variable}: ${p.message}`)
        .join("\n")}`,
    );
  }
}
