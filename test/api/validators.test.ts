import { describe, expect, it } from "vitest";
import {
  cronProblem,
  cronSchedule,
  hostname,
  isHostname,
  labelValue,
  metadataKey,
  port,
  text,
  timestamp,
} from "../../src/api/validators.js";

const label63 = "a".repeat(63);

describe("isHostname", () => {
  it.each([
    "localhost",
    "db.internal",
    "forward.example.com",
    "Mixed-Case.Example.COM",
    "a",
    "1a",
    "xn--bcher-kva.example",
    "0.0.0.0",
    "10.0.0.1",
    "255.255.255.255",
    "192.168.1.254",
    label63,
    `${label63}.example`,
    // 4 labels of 63 plus 3 dots = 255 is too long; 3 of 63 and one of 61 = 253 is the limit.
    [label63, label63, label63, "b".repeat(61)].join("."),
  ])("accepts %s", (value) => {
    expect(isHostname(value)).toBe(true);
    expect(hostname.safeParse(value).success).toBe(true);
  });

  it.each([
    ["empty", ""],
    ["a dot", "."],
    ["an out-of-range octet", "256.0.0.1"],
    ["an octet of 300", "1.300.1.1"],
    ["three octets", "1.2.3"],
    ["five octets", "1.2.3.4.5"],
    ["a leading zero", "01.2.3.4"],
    ["a trailing dot on an IP", "1.2.3.4."],
    ["a leading hyphen", "-host.example"],
    ["a trailing hyphen", "host-.example"],
    ["an underscore", "bad_host"],
    ["an empty label", "a..b"],
    ["a trailing dot", "example.com."],
    ["a space", "my host"],
    ["a 64-character label", `${"a".repeat(64)}.example.com`],
    ["254 characters", [label63, label63, label63, "b".repeat(62)].join(".")],
    ["a scheme", "http://example.com"],
    ["a port", "example.com:80"],
    ["IPv6", "::1"],
    ["unicode", "bücher.example"],
  ])("refuses %s", (_label, value) => {
    expect(isHostname(value)).toBe(false);
    expect(hostname.safeParse(value).error?.issues[0]?.message).toBe(
      "must be an RFC 1123 host name or an IPv4 address",
    );
  });
});

describe("port", () => {
  it.each([0, 1, 80, 65_535])("accepts %d", (value) => {
    expect(port.parse(value)).toBe(value);
  });

  it.each([
    [-1, "must be between 0 and 65535"],
    [65_536, "must be between 0 and 65535"],
    [1.5, "must be a whole number"],
    ["80", "must be a whole number"],
    [Number.NaN, "must be a whole number"],
  ])("refuses %s", (value, message) => {
    expect(port.safeParse(value).error?.issues[0]?.message).toBe(message);
  });
});

describe("metadataKey and labelValue", () => {
  it.each(["a", "A9", "app.kubernetes.io", "a-b_c.d", "x".repeat(59)])("metadataKey accepts %s", (value) => {
    expect(metadataKey.safeParse(value).success).toBe(true);
  });

  it.each([
    ["empty", ""],
    ["60 characters", "x".repeat(60)],
    ["a leading dash", "-a"],
    ["a trailing dot", "a."],
    ["a leading underscore", "_a"],
    ["a slash", "a/b"],
    ["a space", "a b"],
    ["unicode", "é"],
  ])("metadataKey refuses %s", (_label, value) => {
    expect(metadataKey.safeParse(value).error?.issues[0]?.message).toMatch(/^must be 1-59 characters/);
  });

  it.each(["", "v", "v1.2.3", "a-b_c", "x".repeat(63)])("labelValue accepts %j", (value) => {
    expect(labelValue.safeParse(value).success).toBe(true);
  });

  it.each([
    ["64 characters", "x".repeat(64)],
    ["a trailing dash", "v-"],
    ["a leading dot", ".v"],
    ["a space", " "],
    ["a colon", "a:b"],
  ])("labelValue refuses %s", (_label, value) => {
    expect(labelValue.safeParse(value).error?.issues[0]?.message).toMatch(/^must be empty or up to 63/);
  });
});

describe("cronProblem", () => {
  it.each([
    "*/5 * * * *",
    "0 3 * * MON-FRI",
    "@daily",
    "@HOURLY",
    "0 0 1 JAN *",
    "0 0 1 jan-dec/2 *",
    "59 23 31 12 7",
    "0 0 * * 0",
    "0,15,30,45 * * * *",
    "1-5/2 8-18 1,15 * SUN,SAT",
    "  0 0 * * *  ",
    "0\t0 * * *",
  ])("accepts %s", (value) => {
    expect(cronProblem(value)).toBeUndefined();
    expect(cronSchedule.safeParse(value).success).toBe(true);
  });

  it.each([
    ["4 fields", "* * * *", "needs 5 fields (minute hour day-of-month month day-of-week), got 4"],
    ["6 fields", "* * * * * *", "needs 5 fields (minute hour day-of-month month day-of-week), got 6"],
    ["empty", "", "needs 5 fields (minute hour day-of-month month day-of-week), got 1"],
    ["minute 60", "60 * * * *", 'minute: "60" must be within 0-59'],
    ["hour 24", "* 24 * * *", 'hour: "24" must be within 0-23'],
    ["day of month 0", "* * 0 * *", 'day of month: "0" must be within 1-31'],
    ["month 13", "* * * 13 *", 'month: "13" must be within 1-12'],
    ["day of week 8", "* * * * 8", 'day of week: "8" must be within 0-7'],
    ["a backwards range", "5-1 * * * *", 'minute: range "5-1" goes backwards'],
    ["a zero step", "*/0 * * * *", 'minute: step "0" must be a positive number'],
    ["a text step", "*/x * * * *", 'minute: step "x" must be a positive number'],
    ["two steps", "*/2/3 * * * *", 'minute: "*/2/3" has more than one /'],
    ["a three-part range", "1-2-3 * * * *", 'minute: "1-2-3" is not a value or a range'],
    ["an empty list item", "1,,2 * * * *", 'minute: "" must be within 0-59'],
    ["a month name as a day", "* * * * JAN", 'day of week: "JAN" must be within 0-7'],
    ["a negative number", "-1 * * * *", 'minute: "-1" must be within 0-59'],
    ["an unknown macro", "@often", "unknown macro @often"],
  ])("refuses %s", (_label, value, problem) => {
    expect(cronProblem(value)).toBe(problem);
    expect(cronSchedule.safeParse(value).error?.issues[0]?.message).toBe(
      `not a valid cron schedule: ${problem}`,
    );
  });
});

describe("text and timestamp", () => {
  it("trims text and bounds it", () => {
    expect(text(5).parse("  abc ")).toBe("abc");
    expect(text(5).safeParse("   ").error?.issues[0]?.message).toBe("must not be empty");
    expect(text(5).safeParse("abcdef").error?.issues[0]?.message).toBe("must be at most 5 characters");
  });

  it.each([
    ["2024-05-01T10:00:00Z", true],
    ["2024-05-01T10:00:00.123+02:00", true],
    ["2024-05-01T10:00:00", false],
    ["2024-05-01", false],
    ["yesterday", false],
  ])("timestamp %s valid: %s", (value, valid) => {
    expect(timestamp.safeParse(value).success).toBe(valid);
  });
});
