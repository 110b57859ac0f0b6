/** What opsbot can tell channels about, as `/ops subscribe` and the permissions file name them. */
export const NOTIFICATION_EVENTS = [
  "operation.started",
  "operation.succeeded",
  "operation.failed",
  "approval.requested",
  "approval.decided",
  "approval.expired",
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];
