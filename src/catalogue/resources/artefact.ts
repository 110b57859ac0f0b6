import { orchestrationEndpoints } from "../../api/orchestration/endpoints.js";
import { payloadId } from "../../api/orchestration/schemas.js";
import { type AnyOperation, arg, defineOperation } from "../define.js";
import { type Output, record } from "../output.js";
import { backendPage, backendPaging } from "../paging.js";
import { allocationFlag, callOptions, code, field, fields, projectFlag, time } from "./common.js";

/** `/ops artefact …`: files payloads left behind (crash dumps, recordings), with their download links. */

const base = { resource: "artefact", backend: "orchestration" } as const;
const listInput = orchestrationEndpoints.listArtefacts.input.shape;
const where = { project: projectFlag, allocation: allocationFlag };
const target = (args: { allocation: string }) => ({ allocation: args.allocation });

const list = defineOperation({
  ...base,
  id: "artefact:list",
  verb: "list",
  summary: "List the artefacts of an allocation, optionally of one payload",
  risk: "read",
  needsIdentity: false,
  args: {
    payload: arg.flag(listInput.payload_id, {
      label: "Payload ID",
      hint: "Only this payload's artefacts",
      placeholder: "arena-eu-5f7c9-7hd3m",
    }),
    ...where,
    ...backendPaging,
  },
  run: (ctx, args) =>
    backendPage(args.cursor, () =>
      ctx.api.orchestration.listArtefacts(
        {
          project_id: args.project,
          allocation_id: args.allocation,
          payload_id: args.payload,
          page_size: args.limit,
          page_token: args.cursor,
        },
        callOptions(ctx),
      ),
    ),
  render: (page, args): Output => ({
    kind: "list",
    title: args.payload
      ? `Artefacts of payload ${args.payload}`
      : `Artefacts of allocation ${args.allocation}`,
    empty: "No artefacts.",
    items: page.items.map((item) => ({
      title: item.file_path ?? "(no path)",
      ...(item.payload_id ? { code: item.payload_id } : {}),
      fields: fields(field("Size (bytes)", item.size_bytes), time("Created", item.created)),
    })),
    ...(page.nextPageToken ? { nextCursor: page.nextPageToken } : {}),
  }),
  target,
});

const get = defineOperation({
  ...base,
  id: "artefact:get",
  verb: "get",
  summary: "Show one artefact and its download link",
  risk: "read",
  needsIdentity: false,
  args: {
    payloadId: arg.positional(payloadId, {
      label: "Payload ID",
      hint: "Payload the artefact belongs to",
      placeholder: "arena-eu-5f7c9-7hd3m",
    }),
    filePath: arg.positional(orchestrationEndpoints.getArtefact.input.shape.file_path, {
      label: "File path",
      hint: "Path of the artefact, as listed",
      placeholder: "crash/core.dmp",
    }),
    ...where,
  },
  run: (ctx, args) =>
    ctx.api.orchestration.getArtefact(
      {
        project_id: args.project,
        allocation_id: args.allocation,
        payload_id: args.payloadId,
        file_path: args.filePath,
      },
      callOptions(ctx),
    ),
  render: (item, args) =>
    record(
      `Artefact ${item.file_path ?? args.filePath}`,
      fields(
        code("Payload", item.payload_id ?? args.payloadId),
        field("Size (bytes)", item.size_bytes),
        time("Created", item.created),
        field("Download", item.download_url),
      ),
      { tone: "info" },
    ),
  target,
});

export const artefactOperations: readonly AnyOperation[] = [list, get];
