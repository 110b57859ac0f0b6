import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * The Web API wire format as @slack/web-api 8 writes it: urlencoded forms whose object fields are
 * JSON strings, multipart when a Buffer is among the arguments, and JSON bodies for callers that use it.
 */

/** Fields web-api JSON-encodes inside a form; decoded so tests see objects. */
const JSON_FIELDS = new Set(["blocks", "attachments", "view", "files", "metadata", "file_uploads"]);

export class BodyTooLargeError extends Error {}

export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > limitBytes) throw new BodyTooLargeError(`body over ${limitBytes} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/**
 * Parses a Web API call into an argument object. Throws a SyntaxError for a body that does not match its
 * content type, which the server answers as Slack does (`invalid_form_data` / `invalid_json`).
 */
export async function parseArgs(
  contentType: string | undefined,
  raw: Buffer,
  query: URLSearchParams,
): Promise<Record<string, unknown>> {
  const args: Record<string, unknown> = {};
  for (const [k, v] of query) args[k] = v;
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (raw.length === 0) return decodeJsonFields(args);
  if (type === "application/json") {
    const parsed: unknown = JSON.parse(raw.toString("utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new SyntaxError("JSON body must be an object");
    }
    return { ...args, ...parsed };
  }
  if (type === "multipart/form-data") {
    Object.assign(args, await parseMultipart(contentType ?? "", raw));
    return decodeJsonFields(args);
  }
  // Slack itself treats a body without a content type as a form, so do the same.
  for (const [k, v] of new URLSearchParams(raw.toString("utf8"))) args[k] = v;
  return decodeJsonFields(args);
}

/** Multipart fields: strings stay strings, file parts become Buffers (the upload URL wants the bytes). */
export async function parseMultipart(
  contentType: string,
  raw: Buffer,
): Promise<Record<string, string | Buffer>> {
  // undici's Response implements RFC 7578 parsing; no need for a hand-written multipart reader.
  const form = await new Response(new Uint8Array(raw), {
    headers: { "content-type": contentType },
  }).formData();
  const out: Record<string, string | Buffer> = {};
  for (const [key, value] of form) {
    out[key] = typeof value === "string" ? value : Buffer.from(await value.arrayBuffer());
  }
  return out;
}

function decodeJsonFields(args: Record<string, unknown>): Record<string, unknown> {
  for (const key of JSON_FIELDS) {
    const value = args[key];
    if (typeof value !== "string") continue;
    try {
      args[key] = JSON.parse(value);
    } catch {
      // Left as a string: the method then reports it as malformed, as Slack does.
    }
  }
  return args;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
