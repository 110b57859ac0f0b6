/**
 * The arithmetic of the shared poll budget (FollowUpStore.takePolls): a token bucket refilled at
 * `perSecond`, holding at most a second's worth (at least one), so that a quiet spell does not build up
 * a burst. Both stores keep the bucket in a row and run this under the row's lock.
 */
export interface Bucket {
  readonly tokens: number;
  /** When it was last refilled, by the database's clock. */
  readonly at: number;
}

export function burstOf(perSecond: number): number {
  return Math.max(1, perSecond);
}

/** Refills the bucket up to `now`, then takes up to `wanted` whole tokens. */
export function takeTokens(
  bucket: Bucket,
  now: number,
  perSecond: number,
  wanted: number,
): { readonly granted: number; readonly bucket: Bucket } {
  const elapsed = Math.max(0, now - bucket.at);
  const tokens = Math.min(burstOf(perSecond), bucket.tokens + (elapsed / 1000) * perSecond);
  const granted = Math.max(0, Math.min(Math.floor(wanted), Math.floor(tokens)));
  return { granted, bucket: { tokens: tokens - granted, at: Math.max(now, bucket.at) } };
}
