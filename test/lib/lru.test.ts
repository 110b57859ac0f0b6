import { describe, expect, it } from "vitest";
import { LruCache } from "../../src/lib/lru.js";

describe("LruCache", () => {
  it("keeps at most maxEntries, forgetting the least recently used first", () => {
    const cache = new LruCache<string, number>({ maxEntries: 3 });
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("c", 3);
    expect(cache.get("a")).toBe(1); // a is now the most recently used; b the coldest
    cache.set("d", 4);
    expect(cache.size).toBe(3);
    expect(cache.has("b")).toBe(false);
    expect([...cache.entries()].map(([key]) => key)).toEqual(["c", "a", "d"]);
  });

  it("does not count a set of an existing key as a new entry", () => {
    const cache = new LruCache<string, number>({ maxEntries: 2 });
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("a", 10);
    expect(cache.size).toBe(2);
    expect(cache.get("a")).toBe(10);
    expect(cache.get("b")).toBe(2);
  });

  it("peek reads without making an entry recent", () => {
    const cache = new LruCache<string, number>({ maxEntries: 2 });
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.peek("a")).toBe(1);
    cache.set("c", 3);
    expect(cache.has("a")).toBe(false);
    expect(cache.has("b")).toBe(true);
  });

  it("stays at its cap under a flood of distinct keys", () => {
    const cache = new LruCache<number, number>({ maxEntries: 100 });
    for (let key = 0; key < 50_000; key++) cache.set(key, key);
    expect(cache.size).toBe(100);
    expect(cache.get(49_999)).toBe(49_999);
    expect(cache.get(49_899)).toBeUndefined();
  });

  it("forgets entries older than ttlMs, by the clock it is given", () => {
    let now = 1_000;
    const cache = new LruCache<string, string>({ maxEntries: 10, ttlMs: 500, now: () => now });
    cache.set("a", "x");
    now += 499;
    expect(cache.get("a")).toBe("x");
    now += 1;
    expect(cache.get("a")).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("skips expired entries when listing them", () => {
    let now = 0;
    const cache = new LruCache<string, number>({ maxEntries: 10, ttlMs: 100, now: () => now });
    cache.set("old", 1);
    now = 60;
    cache.set("new", 2);
    now = 120;
    expect([...cache.entries()]).toEqual([["new", 2]]);
  });

  it("deletes and clears", () => {
    const cache = new LruCache<string, number>({ maxEntries: 5 });
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.delete("a")).toBe(true);
    expect(cache.delete("a")).toBe(false);
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses a cap of %s", (maxEntries) => {
    expect(() => new LruCache({ maxEntries })).toThrow(RangeError);
  });
});
