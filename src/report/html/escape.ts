/**
 * Provider strings in HTML. Every interpolated value of `` markup`…` `` is text: controls, line
 * separators and bidi overrides become visible escapes (as on a terminal, `tty`), then `&<>"'`
 * become entities (escape-html), so a name can neither add markup nor break out of an
 * attribute. Only values wrapped by `trusted()` — markup this module or vega made — pass as is.
 */
import escapeHtml from 'escape-html';
import { tty } from '../terminal.js';

/** Markup that is already safe: built by `markup` or rendered by vega from escaped data. */
export class Markup {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function trusted(markup: string): Markup {
  return new Markup(markup);
}

/** One provider value as HTML text (also safe inside a quoted attribute). */
export function text(value: unknown): string {
  return escapeHtml(tty(value));
}

type Part = Markup | string | number | boolean | null | undefined | readonly Part[];

function part(v: Part): string {
  if (v instanceof Markup) return v.value;
  if (Array.isArray(v)) return v.map(part).join('');
  if (v === null || v === undefined || v === false) return '';
  return text(v);
}

/** A template whose values are escaped unless they are `Markup`; arrays are joined. */
export function markup(strings: TemplateStringsArray, ...values: readonly Part[]): Markup {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += part(v) + strings[i + 1]!;
  });
  return new Markup(out);
}
