import { z } from "zod";

/**
 * Deploy API response bodies. None is documented (see DECISIONS.md, "Deploy API"), so each schema
 * checks only what the bot relies on, keeps unknown fields, and tolerates a plain-text answer where
 * the API might send one: the text becomes `message`.
 */

/** Text bodies (and empty ones, which arrive as null) become an object, so callers see one shape. */
const textAsMessage = (value: unknown): unknown => {
  if (value === null) return {};
  if (typeof value === "string") return { message: value.trim() };
  return value;
};

/** An id may come back as a number; the bot only ever echoes it. */
const idText = z.union([z.string(), z.number().transform(String)]);

/** What a deploy or run answers: `{id, name, namespace, status}`, or a text message. */
export const launchResult = z.preprocess(
  textAsMessage,
  z.looseObject({
    id: idText.optional(),
    name: z.string().optional(),
    namespace: z.string().optional(),
    kind: z.string().optional(),
    status: z.string().optional(),
    message: z.string().optional(),
  }),
);
export type LaunchResult = z.output<typeof launchResult>;

/** Known states; kept open (`string`) because the real API may use others. */
export type RunStatus = "pending" | "running" | "succeeded" | "failed" | "killed";

export const runState = z.looseObject({
  id: idText.optional(),
  status: z.string(),
  message: z.string().optional(),
  deployedBy: z.string().optional(),
});
export type RunState = z.output<typeof runState>;

/** Configuration loading starts with a `work_id`; a bare-text answer is taken as that id. */
export const loadStarted = z.preprocess(
  (value) => (typeof value === "string" ? { work_id: value.trim() } : value),
  z.looseObject({ work_id: idText }),
);

export const loadingState = z.looseObject({
  work_id: idText.optional(),
  state: z.string(),
  configuration: z.record(z.string(), z.unknown()).optional(),
  error: z.string().optional(),
});
export type LoadingState = z.output<typeof loadingState>;

/** List items: objects with at least `name`; bare strings (a plain list of names) are accepted too. */
export const listItem = z.preprocess(
  (value) => (typeof value === "string" ? { name: value } : value),
  z.looseObject({
    name: z.string(),
    namespace: z.string().optional(),
    kind: z.string().optional(),
    status: z.string().optional(),
  }),
);
/** One entry of a Deploy API list: a name, sometimes with its namespace, kind and status. */
export type NamedResource = z.output<typeof listItem>;
export const list = z.array(listItem);

/** Template file names; objects with a `name` are reduced to it. */
export const templateNames = z.array(
  z.preprocess(
    (value) =>
      value && typeof value === "object" && "name" in value ? (value as { name: unknown }).name : value,
    z.string(),
  ),
);

/** A template is the JSON of a manifest.json or pipeline.json. */
export const template = z.record(z.string(), z.unknown());

export const killResult = z.preprocess(
  textAsMessage,
  z.looseObject({ killed: z.boolean().optional(), message: z.string().optional() }),
);
export type KillResult = z.output<typeof killResult>;

export const deleteResult = z.preprocess(
  textAsMessage,
  z.looseObject({ deleted: z.boolean().optional(), message: z.string().optional() }),
);
export type DeleteResult = z.output<typeof deleteResult>;
