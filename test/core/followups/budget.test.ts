import { describe, expect, it } from "vitest";
import { PollBudget } from "../../../src/core/followups/budget.js";

describe("PollBudget", () => {
  it("grants up to a second's worth at once, then refills at the rate, per backend", () => {
    let now = 0;
    const budget = new PollBudget(
      (backend) => (backend === "deploy" ? 5 : 2),
      () => now,
    );
    expect(budget.take("deploy", 10)).toBe(5);
    expect(budget.take("deploy", 10)).toBe(0);
    expect(budget.take("calyptia", 10)).toBe(2);
    now += 200;
    expect(budget.take("deploy", 10)).toBe(1);
    now += 10_000;
    // Idle time does not build up more than a second's worth.
    expect(budget.take("deploy", 10)).toBe(5);
  });

  it("never grants a negative or fractional number of polls", () => {
    let now = 0;
    const budget = new PollBudget(
      () => 0.5,
      () => now,
    );
    expect(budget.take("orchestration", 3)).toBe(1);
    now += 1_000;
    expect(budget.take("orchestration", 3)).toBe(0);
    now += 1_000;
    expect(budget.take("orchestration", 3)).toBe(1);
    expect(budget.take("orchestration", 0)).toBe(0);
  });
});
