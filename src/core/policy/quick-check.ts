import type { AccessCheck, AccessControl } from "./access.js";

/**
 * A permission check that must not hold up a modal: a trigger_id expires 3 s after the click, and a
 * user-group lookup may be slow. Past `budgetMs` it answers undefined (unknown) and the form opens;
 * the submission is checked in full anyway.
 */
export async function quickCheck(
  access: Pick<AccessControl, "check">,
  userId: string,
  channelId: string,
  operationId: string,
  budgetMs = 1_200,
): Promise<AccessCheck | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), budgetMs);
  });
  try {
    return await Promise.race([access.check(userId, channelId, operationId), late]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
