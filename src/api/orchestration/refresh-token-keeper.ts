/**
 * Where the service account's live refresh token is kept when the token endpoint rotates it. An IdP that
 * rotates invalidates the token it was given, so a token kept only in memory is lost to a restart, and
 * replicas each holding their own would invalidate each other's. The app keeps it in the store.
 */
export interface RefreshTokenKeeper {
  /** The token saved last; undefined when none was, and the configured one is still the live one. */
  load(): Promise<string | undefined>;
  /**
   * Saves `next` if the kept token is still `previous` (undefined: none kept). False, and nothing
   * written, when another replica saved first.
   */
  save(previous: string | undefined, next: string): Promise<boolean>;
}
