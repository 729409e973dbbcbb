import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rulesMarkdownTable } from './docs.js';

const README = new URL('./README.md', import.meta.url);
const START = /<!-- rules-table:start[^>]*-->\n/;
const END = '<!-- rules-table:end -->';

/** Cell contents only, so `prettier --write` re-aligning the table does not count as drift. */
function cells(table: string): string[][] {
  return table
    .trim()
    .split('\n')
    .map((line) =>
      line
        .split('|')
        .map((c) => c.trim())
        .map((c) => (/^-+:?$/.test(c) ? '---' : c)),
    );
}

describe('src/scoring/README.md', () => {
  it('its rules table matches the registry (UPDATE_DOCS=1 rewrites it)', () => {
    const text = readFileSync(README, 'utf8');
    const start = START.exec(text);
    const end = text.indexOf(END);
    expect(start && end > start.index).toBeTruthy();
    const current = text.slice(start!.index + start![0].length, end);
    const wanted = `${rulesMarkdownTable()}\n`;
    if (process.env.UPDATE_DOCS === '1') {
      writeFileSync(
        README,
        text.slice(0, start!.index + start![0].length) + wanted + text.slice(end),
      );
      return;
    }
    expect(cells(current)).toEqual(cells(wanted));
  });
});
