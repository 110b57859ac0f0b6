import { byCode, byStatus, classifyNetworkError, type Outcome, retryAfterMs } from "./errors.js";

/** Only a web address: anything else (a file path, `javascript:`) is refused before sending. */
export function isResponseUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === "https:" || protocol === "http:";
  } catch {
    return false;
  }
}

/** POSTs one message to a response URL; `timeoutMs` bounds the whole attempt, answer included. */
export async function postToResponseUrl(
  fetchFn: typeof fetch,
  url: string,
  message: Record<string, unknown>,
  timeoutMs: number,
): Promise<Outcome> {
  let res: Response;
  try {
    res = await fetchFn(url, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify(message),
      // A redirect is answered as it is, not followed with the message.
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    return classifyNetworkError(err);
  }
  let text = "";
  try {
    text = await res.text();
  } catch (err) {
    // A refusal's status says enough; a success whose answer broke off may hide a refusal.
    if (res.ok) return classifyNetworkError(err);
  }
  return classifyResponse(res.status, res.headers.get("retry-after"), text);
}

/**
 * Slack answers a response URL with `ok` (text) or JSON, `{"ok":false,"error":"expired_url"}` and the
 * like when it refuses; some refusals come as a bare code in text (not trusted from a 5xx, which may
 * be a proxy's page).
 */
export function classifyResponse(status: number, retryAfter: string | null, text: string): Outcome {
  if (status === 429) {
    const seconds = Number.parseInt(retryAfter ?? "", 10);
    return { kind: "rate_limited", retryAfterMs: retryAfterMs(Number.isNaN(seconds) ? 1 : seconds) };
  }
  const refusal = refusalIn(text, status < 500);
  if (status >= 200 && status < 300) return refusal ? byCode(refusal) : { kind: "ok", result: { ok: true } };
  const failure = byStatus(status);
  if (failure.kind === "rate_limited" || refusal === undefined) return failure;
  return { ...failure, code: refusal };
}

function refusalIn(text: string, plainCodes: boolean): string | undefined {
  const trimmed = text.trim();
  try {
    const body: unknown = JSON.parse(trimmed);
    if (typeof body !== "object" || body === null || (body as { ok?: unknown }).ok !== false)
      return undefined;
    const error = (body as { error?: unknown }).error;
    return typeof error === "string" && error !== "" ? error : "unknown_error";
  } catch {
    return plainCodes && /^[a-z][a-z0-9_]*$/.test(trimmed) && trimmed !== "ok" ? trimmed : undefined;
  }
}
