import { describe, expect, it } from "vitest";
import { nextLinkParam, nextLinkUrl } from "../../src/api/link.js";

describe("nextLinkUrl", () => {
  it.each([
    ["a quoted rel", '</v1/items?before=abc>; rel="next"', "/v1/items?before=abc"],
    ["an unquoted rel", "</v1/items?before=abc>; rel=next", "/v1/items?before=abc"],
    ["upper case", '</p2>; REL="NEXT"', "/p2"],
    ["spaces around =", '</p2> ; rel = "next"', "/p2"],
    ["next among several links", '</p0>; rel="prev", </p2>; rel="next", </p9>; rel="last"', "/p2"],
    ["a rel list", '</p2>; rel="prefetch next"', "/p2"],
    ["a rel list with next first", '</p2>; rel="next archive"', "/p2"],
    ["other params around rel", '</p2>; title="Page 2"; rel="next"; type="application/json"', "/p2"],
    [
      "an absolute URL",
      '<https://api.example.com/v1/items?before=x&last=2>; rel="next"',
      "https://api.example.com/v1/items?before=x&last=2",
    ],
    ["an array of header values", ['</p0>; rel="prev"', '</p2>; rel="next"'], "/p2"],
  ])("finds the next link with %s", (_label, header, url) => {
    expect(nextLinkUrl(header)).toBe(url);
  });

  it.each([
    ["an absent header", undefined],
    ["an empty header", ""],
    ["no next link", '</p0>; rel="prev", </p9>; rel="last"'],
    ["a rel that only starts with next", '</p2>; rel="nextpage"'],
    ["a rel that only ends with next", '</p2>; rel="prenext"'],
    ["next in another parameter", '</p2>; title="next"'],
    ["a link without parameters", "</p2>"],
    ["an empty array", []],
  ])("finds nothing with %s", (_label, header) => {
    expect(nextLinkUrl(header)).toBeUndefined();
  });
});

describe("nextLinkParam", () => {
  it("reads a query parameter of the next link, relative or absolute", () => {
    expect(nextLinkParam('</v1/items?before=abc%3D%3D&last=2>; rel="next"', "before")).toBe("abc==");
    expect(nextLinkParam('<https://h.example/x?before=q>; rel="next"', "before")).toBe("q");
  });

  it("is undefined without a next link or without the parameter", () => {
    expect(nextLinkParam(undefined, "before")).toBeUndefined();
    expect(nextLinkParam('</v1/items?before=abc>; rel="prev"', "before")).toBeUndefined();
    expect(nextLinkParam('</v1/items?last=2>; rel="next"', "before")).toBeUndefined();
  });
});
