import { describe, expect, it } from "vitest";
import { type Bucket, takeTokens } from "../../src/store/token-bucket.js";

/** Takes in turn from one bucket, as the store does under the bucket row's lock. */
function bucketAt(perSecond: number, start = 0) {
  let bucket: Bucket = { tokens: Math.max(1, perSecond), at: start };
  return (now: number, wanted: number) => {
    const taken = takeTokens(bucket, now, perSecond, wanted);
    bucket = taken.bucket;
    return taken.granted;
  };
}

describe("the poll budget's token bucket", () => {
  it("grants up to a second's worth at once, then refills at the rate", () => {
    const take = bucketAt(5);
    expect(take(0, 10)).toBe(5);
    expect(take(0, 10)).toBe(0);
    expect(take(200, 10)).toBe(1);
    // Idle time does not build up more than a second's worth.
    expect(take(10_200, 10)).toBe(5);
  });

  it("never grants a negative or fractional number of polls, nor refills backwards in time", () => {
    const take = bucketAt(0.5);
    expect(take(0, 3)).toBe(1);
    expect(take(1_000, 3)).toBe(0);
    expect(take(2_000, 3)).toBe(1);
    expect(take(2_000, 0)).toBe(0);
    expect(take(1_000, -2)).toBe(0);
    expect(take(4_000, 3)).toBe(1);
  });
});
