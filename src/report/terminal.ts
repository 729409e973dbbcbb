/**
 * Provider strings on a terminal. A name, tag or error body may carry escape sequences (OSC 52
 * writes the clipboard, OSC 8 hides a link, CSI 2J clears the screen), CR/LF that forge whole
 * lines, C1 controls some terminals obey, and bidi overrides that reorder what is shown. None
 * of them may reach a terminal as such: each is shown as a visible escape instead.
 *
 * The visible form is a JSON string escape (`\n`, `\r`, `\t`, `\u001b`), so it is unambiguous
 * to read, and text that is JSON stays valid, exact JSON after neutralising.
 */
/* eslint-disable no-control-regex -- matching control characters is what this module is for */

/**
 * Characters that act instead of print: C0 controls, DEL, C1 controls, the line and paragraph
 * separators, and the bidi marks, embeddings, overrides and isolates (Trojan Source).
 */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The same set minus LF: what may not appear in a whole rendered text (LF is its structure). */
const UNSAFE_IN_TEXT =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The same set, unanchored and stateless: whether a text needs neutralising at all. */
const HAS_UNSAFE_IN_TEXT = new RegExp(UNSAFE_IN_TEXT.source);

/** A colour/style sequence (SGR) exactly as chalk and cli-table3 write it. */
const SGR = /\u001b\[[0-9;]*m/g;

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function visible(ch: string): string {
  return SHORT[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** One data value as one visible line: every control, separator and bidi character escaped. */
export function tty(value: unknown): string {
  return String(value ?? '').replace(UNSAFE, visible);
}

/**
 * A human line with data in it: `` line`identity ${name} (${arn})` `` neutralises every
 * interpolated value, so a name cannot add a line or a sequence of its own.
 */
export function line(parts: TemplateStringsArray, ...values: unknown[]): string {
  return parts.reduce((acc, part, i) => acc + tty(values[i - 1]) + part);
}

/**
 * The last guard before a stream: whatever a caller forgot to neutralise. Keeps line breaks
 * (the text's own structure) and, when colour is on for that stream, colour sequences; every
 * other control or bidi character, including ESC of any other sequence, is escaped.
 */
export function guard(text: string, keepColour: boolean): string {
  // Nearly every text is clean: one scan to say so is cheaper than a replace that finds nothing
  // (large JSON and CSV reports pass through here).
  if (!HAS_UNSAFE_IN_TEXT.test(text)) return text;
  if (!keepColour) return text.replace(UNSAFE_IN_TEXT, visible);
  let out = '';
  let last = 0;
  for (const m of text.matchAll(SGR)) {
    out += text.slice(last, m.index).replace(UNSAFE_IN_TEXT, visible) + m[0];
    last = m.index + m[0].length;
  }
  return out + text.slice(last).replace(UNSAFE_IN_TEXT, visible);
}

/**
 * Text the caller built and vouches for (its own colour codes around neutralised data), for
 * table cells: any other cell is data and is neutralised by the table.
 */
export class Styled {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export const styled = (text: string): Styled => new Styled(text);

/** A table cell as shown: styled text as is, anything else neutralised as data. */
export function cell(value: string | number | Styled | null | undefined): string {
  return value instanceof Styled ? value.text : tty(value);
}
