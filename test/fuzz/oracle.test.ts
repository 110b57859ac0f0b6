import { describe, expect, it } from "vitest";
import { strayPath, templatePatterns, unclearParts } from "./arbitraries.js";

// The fuzz suites' own checks, checked: a stray path is caught, a template path is not.

describe("the fuzz oracle", () => {
  const { deploy, calyptia } = templatePatterns();

  it("accepts paths its templates allow, one segment a placeholder, with a query string", () => {
    expect(strayPath("/v1/list/namespaces", deploy)).toBeUndefined();
    expect(strayPath("/v1/task/deployas/analytics/jobs%2Fnightly/fuzz-job", deploy)).toBeUndefined();
    expect(strayPath("/v1/aggregator_pipelines/abc/ports?last=10", calyptia)).toBeUndefined();
  });

  it("catches a path with an extra segment, a traversal or an unknown route", () => {
    expect(strayPath("/v1/task/deployas/analytics/jobs/nightly/fuzz-job", deploy)).toBeDefined();
    expect(strayPath("/v1/aggregator_pipelines/../ports", calyptia)).toBeDefined();
    expect(strayPath("/v1/aggregator_pipelines/%2e%2e/ports", calyptia)).toBeDefined();
    expect(strayPath("/v1/aggregator_pipelines/a/b/ports", calyptia)).toBeDefined();
    expect(strayPath("/v1/admin", deploy)).toBeDefined();
  });

  it("calls a message unclear when it leaks a placeholder the user did not type", () => {
    expect(unclearParts("Unknown resource `undefined`", "undefined deploy")).toEqual([]);
    expect(unclearParts("port must be undefined")).toEqual(["undefined"]);
    expect(unclearParts(" ")).toEqual(["an empty message"]);
  });
});
