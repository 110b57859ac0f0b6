import type { FilesUploadV2Arguments } from "@slack/web-api";
import { z } from "zod";
import type { CallResult, OutboxCall } from "./types.js";

/** The part of @slack/web-api's WebClient the outbox needs. */
export interface ApiCaller {
  apiCall(method: string, options?: Record<string, unknown>): Promise<unknown>;
  filesUploadV2(options: FilesUploadV2Arguments): Promise<unknown>;
}

const Answer = z.looseObject({
  ok: z.boolean(),
  ts: z.string().optional(),
  channel: z.string().optional(),
  error: z.string().optional(),
});

/**
 * filesUploadV2 answers `{ ok: true, files: [...] }` with one files.completeUploadExternal answer per
 * completion, each listing its files; it throws (as apiCall does) for anything else.
 */
const Uploaded = z.looseObject({
  ok: z.literal(true),
  files: z.array(
    z.looseObject({ files: z.array(z.looseObject({ id: z.string(), title: z.string().optional() })) }),
  ),
});

/**
 * Adapts a WebClient for `SlackOutboxOptions.call`. Build the client with `rejectRateLimitedCalls: true`
 * and `retryConfig: { retries: 0 }`: otherwise it waits out 429s and retries on its own, hidden from the
 * outbox's per-channel pacing.
 */
export function webClientCall(client: ApiCaller): OutboxCall {
  return async (method, args) => {
    if (method === "files.uploadV2") return uploadResult(await client.filesUploadV2(uploadArgs(args)));
    const answer = Answer.safeParse(await client.apiCall(method, args));
    if (!answer.success) return { ok: false, error: "invalid_response" };
    const { ok, ts, channel, error } = answer.data;
    return {
      ok,
      ...(ts === undefined ? {} : { ts }),
      ...(channel === undefined ? {} : { channel }),
      ...(error === undefined ? {} : { error }),
    };
  };
}

function uploadResult(raw: unknown): CallResult {
  const answer = Uploaded.safeParse(raw);
  if (!answer.success) return { ok: false, error: "invalid_response" };
  const files = answer.data.files.flatMap((done) =>
    done.files.map((f) => ({ id: f.id, ...(f.title === undefined ? {} : { title: f.title }) })),
  );
  return { ok: true, files };
}

/** What the outbox's `upload` sends: one text file, shared in a channel or a thread. */
const UploadArgs = z.object({
  channel_id: z.string(),
  thread_ts: z.string().optional(),
  filename: z.string(),
  title: z.string(),
  content: z.string(),
});

function uploadArgs(args: Record<string, unknown>): FilesUploadV2Arguments {
  const { thread_ts, ...file } = UploadArgs.parse(args);
  return thread_ts === undefined ? file : { ...file, thread_ts };
}
