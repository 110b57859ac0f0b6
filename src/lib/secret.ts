import { createHash, timingSafeEqual } from "node:crypto";

/**
 * A configured secret (token, client secret, signing secret). It renders as "[redacted]" wherever it is
 * stringified, logged or serialised, so that a stray `log.info(config)` cannot leak it; code that really
 * needs the value calls `reveal()`.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  /** Compares in constant time (digests of equal length), so a caller cannot guess it byte by byte. */
  matches(candidate: string): boolean {
    const digest = (text: string) => createHash("sha256").update(text).digest();
    return timingSafeEqual(digest(candidate), digest(this.#value));
  }

  toString(): string {
    return "[redacted]";
  }

  toJSON(): string {
    return "[redacted]";
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return "Secret([redacted])";
  }
}

/** Replaces every occurrence of the given secrets in `text` (used on error bodies before they are shown). */
export function scrubSecrets(text: string, secrets: readonly (Secret | string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    const value = secret instanceof Secret ? secret.reveal() : secret;
    if (value && value.length >= 4) out = out.split(value).join("[redacted]");
  }
  return out;
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
