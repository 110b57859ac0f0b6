import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  encodeSegment,
  encodeSlashedSegment,
  PathSegmentError,
  placeholdersOf,
  renderPath,
  samePlaceholders,
} from "../../src/api/path.js";

function refusal(run: () => unknown): PathSegmentError {
  try {
    run();
  } catch (error) {
    if (error instanceof PathSegmentError) return error;
    throw error;
  }
  throw new Error("expected a PathSegmentError");
}

describe("encodeSegment", () => {
  it.each([
    ["plain", "abc-123_X.y~z", "abc-123_X.y~z"],
    ["a UUID", "6f1c3f3e-8a53-4c33-9f0f-2b6c2d1e9a01", "6f1c3f3e-8a53-4c33-9f0f-2b6c2d1e9a01"],
    ["spaces", "my pipeline", "my%20pipeline"],
    ["unicode", "café-日本", "caf%C3%A9-%E6%97%A5%E6%9C%AC"],
    ["an emoji (surrogate pair)", "😀", "%F0%9F%98%80"],
    ["a question mark", "what?", "what%3F"],
    ["a hash", "issue#1", "issue%231"],
    ["a literal percent", "100%", "100%25"],
    ["a percent before non-hex", "50%off", "50%25off"],
    ["an encoded space", "a%20b", "a%2520b"],
    ["three dots", "...", "..."],
    ["a dot inside", "a.b", "a.b"],
    ["reserved characters", "a&b=c;d,e+f@g:h", "a%26b%3Dc%3Bd%2Ce%2Bf%40g%3Ah"],
    ["1024 characters", "x".repeat(1024), "x".repeat(1024)],
  ])("accepts %s", (_label, value, encoded) => {
    expect(encodeSegment("p", value)).toBe(encoded);
    expect(decodeURIComponent(encoded)).toBe(value);
  });

  it.each([
    ["empty", "", "must not be empty"],
    ["blank", "   ", "must not be blank"],
    ["a tab only", "\t", "must not be blank"],
    [".", ".", "must not be `.` or `..`"],
    ["..", "..", "must not be `.` or `..`"],
    ["%2e%2e", "%2e%2e", "must not be `.` or `..`"],
    ["%2E.", "%2E.", "must not be `.` or `..`"],
    ["double-encoded %252e%252e", "%252e%252e", "must not be `.` or `..`"],
    ["triple-encoded %25252e", "%25252e", "must not be `.` or `..`"],
    ["a slash", "a/b", "must not contain `/`"],
    ["%2F", "a%2Fb", "must not contain an encoded `/`"],
    ["%2f lower case", "a%2fb", "must not contain an encoded `/`"],
    ["%252F", "a%252Fb", "must not contain an encoded `/`"],
    ["%2F hidden by a stray %", "a%2Fb%", "must not contain an encoded `/`"],
    ["%2F next to a bad UTF-8 escape", "a%2F%C3", "must not contain an encoded `/`"],
    ["%5C", "a%5Cb", "must not contain a backslash"],
    ["a backslash", "a\\b", "must not contain a backslash"],
    ["NUL", "a\u0000b", "must not contain control characters"],
    ["%00", "a%00b", "must not contain control characters"],
    ["a newline", "a\nb", "must not contain control characters"],
    ["%0A", "a%0Ab", "must not contain control characters"],
    ["a carriage return", "a\rb", "must not contain control characters"],
    ["DEL", "a\u007fb", "must not contain control characters"],
    ["a C1 control", "a\u0085b", "must not contain control characters"],
    ["a bidi override", "evil\u202etxt.exe", "must not contain control characters"],
    ["an encoded bidi override", "evil%E2%80%AEtxt", "must not contain control characters"],
    ["a line separator", "a\u2028b", "must not contain control characters"],
    ["a lone surrogate", "a\ud800b", "must be valid Unicode text"],
    ["over-long", "x".repeat(1025), "must be at most 1024 characters"],
  ])("refuses %s", (_label, value, reason) => {
    const error = refusal(() => encodeSegment("pipelineID", value));
    expect(error.param).toBe("pipelineID");
    expect(error.reason).toBe(reason);
    expect(error.message).toBe(`pipelineID: ${reason}`);
  });
});

describe("encodeSlashedSegment", () => {
  it.each([
    ["a/b/c", "a%2Fb%2Fc"],
    ["jobs/nightly", "jobs%2Fnightly"],
    ["single", "single"],
    ["dir with space/x", "dir%20with%20space%2Fx"],
    ["a/.../b", "a%2F...%2Fb"],
  ])("sends %s as one segment %s", (value, encoded) => {
    expect(encodeSlashedSegment("dir", value)).toBe(encoded);
    expect(encoded).not.toContain("/");
  });

  it.each([
    ["a//b", "must not be empty"],
    ["/a", "must not be empty"],
    ["a/", "must not be empty"],
    ["a/../b", "must not be `.` or `..`"],
    ["a/./b", "must not be `.` or `..`"],
    ["a/%2e%2e/b", "must not be `.` or `..`"],
    ["a/%2Fb", "must not contain an encoded `/`"],
    ["a/b\\c", "must not contain a backslash"],
    ["a/b\u0000", "must not contain control characters"],
  ])("refuses %s", (value, reason) => {
    expect(refusal(() => encodeSlashedSegment("dir", value)).reason).toBe(reason);
  });
});

describe("renderPath", () => {
  it("fills single and slashed placeholders", () => {
    expect(
      renderPath("/v1/repos/{repo}/dirs/{dir*}/run", { repo: "my repo", dir: "a/b/c", unused: "x" }),
    ).toBe("/v1/repos/my%20repo/dirs/a%2Fb%2Fc/run");
  });

  it("turns numbers and booleans into text", () => {
    expect(renderPath("/a/{n}/{b}", { n: 42, b: false })).toBe("/a/42/false");
  });

  it.each([
    ["missing", {}],
    ["undefined", { id: undefined }],
    ["null", { id: null }],
  ])("refuses a %s value", (_label, values) => {
    expect(refusal(() => renderPath("/items/{id}", values)).reason).toBe("is required");
  });

  it("names the parameter that broke a rule", () => {
    const error = refusal(() => renderPath("/a/{first}/{second}", { first: "ok", second: ".." }));
    expect(error.param).toBe("second");
  });

  it("lists and compares placeholders", () => {
    expect(placeholdersOf("/a/{x}/b/{y*}")).toEqual([
      { name: "x", multi: false },
      { name: "y", multi: true },
    ]);
    expect(samePlaceholders("/a/{x}/{y*}", "/other/{y*}/then/{x}")).toBe(true);
    expect(samePlaceholders("/a/{x}", "/a/{x*}")).toBe(false);
    expect(samePlaceholders("/a/{x}", "/a/{x}/{z}")).toBe(false);
  });
});

describe("properties", () => {
  // Any text, including lone surrogates, controls and percent signs.
  const anyText = fc.string({ unit: "binary", maxLength: 40 });
  // Text built from the characters that matter most here.
  const trickyText = fc.string({
    unit: fc.constantFrom(
      ".",
      "/",
      "%",
      "2",
      "e",
      "E",
      "f",
      "F",
      "5",
      "c",
      "C",
      "0",
      "a",
      " ",
      "\\",
      "\n",
      "é",
    ),
    maxLength: 16,
  });

  it.each([
    ["any text", anyText],
    ["tricky text", trickyText],
  ])("for %s, a rendered path is refused or keeps its segments and decodes back", (_label, arb) => {
    fc.assert(
      fc.property(arb, arb, (single, slashed) => {
        let path: string;
        try {
          path = renderPath("/v1/{single}/x/{slashed*}", { single, slashed });
        } catch (error) {
          // The only way to refuse a value is a PathSegmentError (never a URIError or similar).
          expect(error).toBeInstanceOf(PathSegmentError);
          return;
        }
        const segments = path.split("/");
        expect(segments).toHaveLength(5);
        expect(decodeURIComponent(segments[2] ?? "")).toBe(single);
        expect(decodeURIComponent(segments[4] ?? "")).toBe(slashed);
        // Nothing that a router would read as a dot segment or a query/fragment.
        for (const segment of segments.slice(1)) expect(segment).not.toMatch(/^\.{1,2}$|[?#\\]/);
      }),
      { numRuns: 2_000 },
    );
  });

  it("accepts every non-empty text of safe characters unchanged", () => {
    const safe = fc.string({
      unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_~"),
      minLength: 1,
      maxLength: 64,
    });
    fc.assert(fc.property(safe, (value) => encodeSegment("p", value) === value));
  });
});
