import type { AccessCheck, AccessControl } from "./access.js";

/** What the person is told when the check could not finish in time: nothing opened, nothing lost. */
export const QUICK_CHECK_LATE =
  "opsbot could not check your permissions in time, so the form was not opened. Try again in a moment.";

/**
 * A permission check that must not hold up a modal: a trigger_id expires 3 s after the click, and a
 * user-group or users.info lookup may be slow. Past `budgetMs`, or when the check fails, it refuses:
 * a form must not open for someone opsbot could not check (fail closed), and the person is told to retry.
 */
export async function quickCheck(
  access: Pick<AccessControl, "check">,
  userId: string,
  channelId: string,
  operationId: string,
  budgetMs = 1_200,
): Promise<AccessCheck> {
  const late: AccessCheck = { allowed: false, message: QUICK_CHECK_LATE };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<AccessCheck>((resolve) => {
    timer = setTimeout(() => resolve(late), budgetMs);
  });
  try {
    return await Promise.race([access.check(userId, channelId, operationId), timeout]);
  } catch {
    return late;
  } finally {
    clearTimeout(timer);
  }
}
