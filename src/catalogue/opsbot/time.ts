import { z } from "zod";

const DURATION = z.string().regex(/^(\d{1,6})(s|m|h|d)$/);
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `90s`, `30m`, `2h`, `7d` in milliseconds. */
export function durationMs(text: string): number | undefined {
  const parsed = DURATION.safeParse(text.trim().toLowerCase());
  if (!parsed.success) return undefined;
  const match = /^(\d+)([smhd])$/.exec(parsed.data);
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

const CLOCK = /^([01]?\d|2[0-3]):([0-5]\d)$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** Whether `text` is a time `untilOf` can read, before the clock is known. */
export function isUntil(text: string): boolean {
  const trimmed = text.trim();
  return (
    CLOCK.test(trimmed) ||
    durationMs(trimmed) !== undefined ||
    (DATE_TIME.test(trimmed) && !Number.isNaN(Date.parse(trimmed)))
  );
}

/** `18:00` (the next such time, UTC), a duration from now, or an ISO date-time with a zone. */
export function untilOf(text: string, now: number): number | undefined {
  const clock = CLOCK.exec(text.trim());
  if (clock) {
    const day = new Date(now);
    let at = Date.UTC(
      day.getUTCFullYear(),
      day.getUTCMonth(),
      day.getUTCDate(),
      Number(clock[1]),
      Number(clock[2]),
    );
    if (at <= now) at += 86_400_000;
    return at;
  }
  const duration = durationMs(text);
  if (duration !== undefined) return now + duration;
  if (!DATE_TIME.test(text.trim())) return undefined;
  const ms = Date.parse(text.trim());
  return Number.isNaN(ms) ? undefined : ms;
}
