import { z } from "zod";
import type { Workspace } from "../state.js";
import type { StoredFile } from "../types.js";
import { postMessage } from "./chat.js";
import { blocksArg, type MethodHandler, parseWith, resolveChannel, SlackApiFailure, TS } from "./common.js";

/**
 * Slack's external upload flow, which web-api's filesUploadV2 drives: files.getUploadURLExternal hands
 * out a URL (served by this stand-in at /upload/v1/<file id>), the client POSTs the bytes there, then
 * files.completeUploadExternal shares the files, optionally into a channel or thread.
 */

const GetUrlArgs = z.object({
  filename: z.string().min(1),
  length: z.coerce.number().int().positive(),
  alt_text: z.string().max(1000).optional(),
  snippet_type: z.string().optional(),
});

const CompleteArgs = z.object({
  files: z.array(z.object({ id: z.string().min(1), title: z.string().optional() })).min(1),
  channel_id: z.string().min(1).optional(),
  // The legacy name web-api still passes through when callers use it.
  channels: z.string().min(1).optional(),
  thread_ts: z.string().regex(TS).optional(),
  initial_comment: z.string().optional(),
  blocks: blocksArg.optional(),
});

export const UPLOAD_PATH = "/upload/v1/";

/** Stores the bytes POSTed to an upload URL; false when the file id was never handed out or is done. */
export function receiveUpload(ws: Workspace, fileId: string, bytes: Buffer): boolean {
  const file = ws.file(fileId);
  if (!file || file.completed) return false;
  ws.putFile({ ...file, bytes });
  return true;
}

function fileJson(ws: Workspace, f: StoredFile): Record<string, unknown> {
  return {
    id: f.id,
    created: Math.floor(ws.now() / 1000),
    name: f.filename,
    title: f.title ?? f.filename,
    size: f.bytes?.length ?? 0,
    user: ws.identity.botUserId,
    permalink: `${ws.origin}/files/${f.id}`,
    channels: f.channel ? [f.channel] : [],
    ...(f.altText === undefined ? {} : { alt_txt: f.altText }),
  };
}

export const fileMethods: Readonly<Record<string, MethodHandler>> = {
  "files.getUploadURLExternal": (args, ws) => {
    const a = parseWith(GetUrlArgs, args);
    const id = ws.nextId("F");
    ws.putFile({
      id,
      filename: a.filename,
      length: a.length,
      completed: false,
      ...(a.alt_text === undefined ? {} : { altText: a.alt_text }),
    });
    return { ok: true, upload_url: `${ws.origin}${UPLOAD_PATH}${id}`, file_id: id };
  },

  "files.completeUploadExternal": (args, ws) => {
    const a = parseWith(CompleteArgs, args, { files: "invalid_arguments", thread_ts: "invalid_thread_ts" });
    const pending = a.files.map(({ id, title }) => {
      const file = ws.file(id);
      // Completing a file whose bytes never arrived fails in Slack too.
      if (!file?.bytes || file.completed) throw new SlackApiFailure("file_not_found");
      return { ...file, ...(title === undefined ? {} : { title }) };
    });
    const target = a.channel_id ?? a.channels;
    const channel = target === undefined ? undefined : resolveChannel(ws, target);
    const message = channel
      ? postMessage(ws, channel, {
          text: a.initial_comment ?? "",
          blocks: a.blocks,
          fileIds: pending.map((f) => f.id),
          ...(a.thread_ts === undefined ? {} : { threadTs: a.thread_ts }),
        })
      : undefined;
    const done = pending.map((f): StoredFile => {
      const file: StoredFile = {
        ...f,
        completed: true,
        ...(channel === undefined ? {} : { channel }),
        ...(message?.threadTs === undefined ? {} : { threadTs: message.threadTs }),
        ...(a.initial_comment === undefined ? {} : { initialComment: a.initial_comment }),
      };
      ws.putFile(file);
      ws.emit({ type: "file", file });
      return file;
    });
    return { ok: true, files: done.map((f) => fileJson(ws, f)) };
  },
};
