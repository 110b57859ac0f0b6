/** A setting opsbot cannot start with: which variable, and what is wrong with it. */
export interface ConfigProblem {
  readonly variable: string;
  readonly message: string;
}

/**
 * Every problem with the settings, one line each (`opsbot cannot start: VARIABLE: what is wrong`), so
 * that a log collector keeps each whole and an operator can fix them all in one go.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map((p) => `opsbot cannot start: ${p.variable}: ${p.message}`).join("\n"));
  }
}
