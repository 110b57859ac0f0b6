/**
 * ANSI colours for the console transcript. Only used when stdout is a terminal: a piped transcript
 * (scripts, tests, CI logs) stays plain text.
 */
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  magenta(text: string): string;
}

const wrap = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

export const ANSI: Style = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
  magenta: wrap(35, 39),
};

const same = (text: string) => text;

export const PLAIN: Style = {
  bold: same,
  dim: same,
  red: same,
  green: same,
  yellow: same,
  cyan: same,
  magenta: same,
};

export function styleFor(stream: { readonly isTTY?: boolean }): Style {
  return stream.isTTY && !process.env.NO_COLOR ? ANSI : PLAIN;
}
