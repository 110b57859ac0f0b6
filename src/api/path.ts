/**
 * Path templates and segment encoding.
 *
 * A template is a path with placeholders: `{name}` takes exactly one path segment, `{name*}` takes a
 * value that may contain `/` (the Deploy API's `:directory`, a folder inside a git repository).
 *
 * Every value is validated before it is encoded, and the request is refused (never sent) when a value
 * could change which route the server sees: empty values, `.` and `..`, control characters, a
 * backslash, and any of those hidden behind percent-encoding (`%2e%2e`, `%2F`, `%00`, double encoding).
 *
 * `{name*}` values are sent as ONE segment with their inner `/` encoded as `%2F`: the route keeps its
 * fixed number of segments (Express-style routers such as the Deploy API's match `:directory` against
 * one segment and decode `%2F` back to `/` in the parameter), and each `/`-separated part is validated
 * on its own, so `a/../b` is refused while `jobs/nightly` is accepted and sent as `jobs%2Fnightly`.
 */

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)(\*?)\}/g;
// C0 controls, DEL, C1 controls, and Unicode line/paragraph separators and bidi overrides.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const LONE_SURROGATE = /\p{Cs}/u;
const MAX_SEGMENT_LENGTH = 1024;
const MAX_DECODE_ROUNDS = 4;

export interface Placeholder {
  readonly name: string;
  readonly multi: boolean;
}

export class PathSegmentError extends Error {
  override readonly name = "PathSegmentError";
  constructor(
    readonly param: string,
    readonly reason: string,
  ) {
    super(`${param}: ${reason}`);
  }
}

export function placeholdersOf(template: string): Placeholder[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => ({ name: m[1] ?? "", multi: m[2] === "*" }));
}

/** Checks that an override template has exactly the placeholders of the default one. */
export function samePlaceholders(a: string, b: string): boolean {
  const key = (template: string) =>
    placeholdersOf(template)
      .map((p) => `${p.name}${p.multi ? "*" : ""}`)
      .sort()
      .join(",");
  return key(a) === key(b);
}

/**
 * Decodes every valid run of `%XX` escapes and leaves the rest, as lenient decoders (proxies, some
 * routers) do: a stray `%` elsewhere must not hide `%2F` (`a%2Fb%`) from the checks.
 */
function lenientDecode(value: string): string {
  return value.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      // an invalid UTF-8 sequence: still decode its ASCII escapes (`%2F%C3` hides a `/`)
      return run.replace(/%[0-7][0-9A-Fa-f]/g, (ascii) => decodeURIComponent(ascii));
    }
  });
}

/** Every form the value takes when decoded again and again, so `%252e%252e` is seen as `..`. */
function decodedForms(value: string): string[] {
  const forms = [value];
  let current = value;
  for (let round = 0; round < MAX_DECODE_ROUNDS && current.includes("%"); round++) {
    const next = lenientDecode(current);
    if (next === current) break;
    forms.push(next);
    current = next;
  }
  return forms;
}

function checkPart(param: string, part: string): void {
  if (part.length === 0) throw new PathSegmentError(param, "must not be empty");
  if (part.length > MAX_SEGMENT_LENGTH)
    throw new PathSegmentError(param, `must be at most ${MAX_SEGMENT_LENGTH} characters`);
  // A lone surrogate cannot be percent-encoded (encodeURIComponent would throw a URIError).
  if (LONE_SURROGATE.test(part)) throw new PathSegmentError(param, "must be valid Unicode text");
  for (const form of decodedForms(part)) {
    if (form.trim().length === 0) throw new PathSegmentError(param, "must not be blank");
    if (form === "." || form === "..") throw new PathSegmentError(param, "must not be `.` or `..`");
    if (FORBIDDEN_CHARS.test(form)) throw new PathSegmentError(param, "must not contain control characters");
    if (form.includes("\\")) throw new PathSegmentError(param, "must not contain a backslash");
    if (form.includes("/"))
      throw new PathSegmentError(
        param,
        form === part ? "must not contain `/`" : "must not contain an encoded `/`",
      );
  }
}

/** Validates and encodes one value for a `{name}` placeholder. */
export function encodeSegment(param: string, value: string): string {
  checkPart(param, value);
  return encodeURIComponent(value);
}

/** Validates and encodes a `{name*}` value: each `/` part checked, `/` sent as `%2F` inside one segment. */
export function encodeSlashedSegment(param: string, value: string): string {
  const parts = value.split("/");
  for (const part of parts) checkPart(param, part);
  return parts.map((p) => encodeURIComponent(p)).join("%2F");
}

/** A template split once into literal text and placeholders, for filling it many times. */
export interface CompiledPath {
  readonly template: string;
  readonly placeholders: readonly Placeholder[];
  /** Fills the template. Throws PathSegmentError for a missing or unsafe value. */
  render(values: Readonly<Record<string, unknown>>): string;
}

export function compilePath(template: string): CompiledPath {
  const literals: string[] = [];
  const placeholders: Placeholder[] = [];
  let at = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    literals.push(template.slice(at, match.index));
    placeholders.push({ name: match[1] ?? "", multi: match[2] === "*" });
    at = match.index + match[0].length;
  }
  const tail = template.slice(at);
  return {
    template,
    placeholders,
    render(values) {
      let out = "";
      for (let i = 0; i < placeholders.length; i++) {
        const { name, multi } = placeholders[i] as Placeholder;
        const raw = values[name];
        if (raw === undefined || raw === null) throw new PathSegmentError(name, "is required");
        const value = String(raw);
        out += literals[i] + (multi ? encodeSlashedSegment(name, value) : encodeSegment(name, value));
      }
      return out + tail;
    },
  };
}

/** Fills a template. Throws PathSegmentError for a missing or unsafe value. */
export function renderPath(template: string, values: Readonly<Record<string, unknown>>): string {
  return compilePath(template).render(values);
}
