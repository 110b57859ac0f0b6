import type { Dispatcher } from "undici";

/** The error code readCapped rejects with when a success body is over its cap. */
export const RESPONSE_TOO_LARGE = "OPSBOT_RESPONSE_TOO_LARGE";

/**
 * Reads a body as UTF-8 text (a leading BOM skipped), up to `maxBytes`: beyond it, fails (success
 * bodies) or keeps the first `maxBytes` (error bodies).
 *
 * This runs on every call. A declared Content-Length within the cap takes undici's own reader, which
 * collects chunks without the stream machinery (measurably cheaper than events or `for await`); undici
 * never delivers more than the declared length, so the cap holds. Other bodies are counted as they come.
 */
export function readCapped(
  res: Dispatcher.ResponseData,
  maxBytes: number,
  failOnOverflow: boolean,
): Promise<string> {
  const header = res.headers["content-length"];
  const declared = typeof header === "string" && /^\d+$/.test(header) ? Number(header) : undefined;
  if (declared !== undefined && declared <= maxBytes) return res.body.text();
  if (declared !== undefined && failOnOverflow) {
    // Destroying undici's body emits an abort error; nobody else listens, so swallow it here.
    res.body.on("error", () => {});
    res.body.destroy();
    return Promise.reject(tooLarge());
  }
  return readCounted(res.body, maxBytes, failOnOverflow);
}

function tooLarge(): Error {
  return Object.assign(new Error("response too large"), { code: RESPONSE_TOO_LARGE });
}

function readCounted(
  body: Dispatcher.ResponseData["body"],
  maxBytes: number,
  failOnOverflow: boolean,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      if (error !== undefined) reject(error);
      else
        resolve(
          withoutBom((chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString("utf8")),
        );
    };
    body.on("data", (buf: Buffer) => {
      if (settled) return;
      size += buf.length;
      if (size <= maxBytes) {
        chunks.push(buf);
        return;
      }
      if (failOnOverflow) settle(tooLarge());
      else {
        chunks.push(buf.subarray(0, buf.length - (size - maxBytes)));
        settle();
      }
      body.destroy();
    });
    body.once("end", () => settle());
    body.once("error", (error) => settle(error));
    // A stream closed without `end` or an error was cut short (as `for await` would report it).
    body.once("close", () =>
      settle(Object.assign(new Error("premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" })),
    );
  });
}

function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
