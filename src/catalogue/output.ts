/**
 * What an operation returns for people to read, independent of Slack. `src/blocks/` renders it as Block
 * Kit; the demo console and tests can read it directly.
 */

export interface Field {
  readonly label: string;
  readonly value: string;
  /** Shown as code (IDs, names, paths). */
  readonly code?: boolean;
  /** An ISO timestamp shown as a Slack date in the reader's time zone. */
  readonly time?: boolean;
  /** A Slack user or channel ID, shown as a mention of it. */
  readonly mention?: "user" | "channel";
}

export interface ListItem {
  readonly title: string;
  /** Shown as code, e.g. an ID. */
  readonly code?: string;
  readonly fields?: readonly Field[];
}

/**
 * A next step offered under a result, as a button: e.g. "Deploy…" under a loaded manifest. The button
 * goes through the same validation, permission and approval path as a typed command.
 */
export interface OutputAction {
  readonly label: string;
  readonly operationId: `${string}:${string}`;
  readonly args: Readonly<Record<string, string>>;
  /** open: the operation's modal, prefilled; run: at once (after Slack's confirm dialog for changes). */
  readonly mode: "open" | "run";
  /**
   * The modal's `configuration` comes from a finished configuration load, fetched when the button is
   * clicked: a manifest does not fit in a button value (2,000 characters).
   */
  readonly loaded?: { readonly what: "task" | "pipeline"; readonly workId: string };
}

export type Tone = "success" | "info" | "warning" | "failure";

export type Output = OutputBody & {
  /** Buttons for what can be done next with this result. */
  readonly actions?: readonly OutputAction[];
  /**
   * Said instead of attaching the whole output as a file when it does not fit a message: for output
   * that must not land in a channel's files (the audit log).
   */
  readonly tooLong?: string;
};

type OutputBody =
  | {
      readonly kind: "record";
      readonly title: string;
      readonly tone?: Tone;
      readonly text?: string;
      readonly fields?: readonly Field[];
    }
  | {
      readonly kind: "list";
      readonly title: string;
      readonly items: readonly ListItem[];
      /** Said when there are no items. */
      readonly empty: string;
      /** Opaque cursor for the backend's next page, when it has one. */
      readonly nextCursor?: string;
    }
  | {
      readonly kind: "document";
      readonly title: string;
      /** A short line shown in the message; the content goes in a file when it is long. */
      readonly summary?: string;
      readonly filename: string;
      readonly content: string;
      readonly format: "json" | "text";
    };

export const record = (
  title: string,
  fields: readonly Field[],
  extra: { tone?: Tone; text?: string } = {},
): Output => ({
  kind: "record",
  title,
  fields,
  ...extra,
});

export const json = (title: string, filename: string, value: unknown, summary?: string): Output => ({
  kind: "document",
  title,
  filename,
  content: JSON.stringify(value, null, 2),
  format: "json",
  ...(summary ? { summary } : {}),
});
