import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rulesFixesMarkdown, rulesMarkdownTable } from './docs.js';

const README = new URL('./README.md', import.meta.url);

/** Cell contents only, so `prettier --write` re-aligning the table does not count as drift. */
function cells(table: string): string[][] {
  return table
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) =>
      line
        .split('|')
        .map((c) => c.trim())
        .map((c) => (/^-+:?$/.test(c) ? '---' : c)),
    );
}

function section(name: string, wanted: () => string) {
  const start = new RegExp(`<!-- ${name}:start[^>]*-->\\n`);
  const end = `<!-- ${name}:end -->`;
  it(`its ${name} section matches the registry (UPDATE_DOCS=1 rewrites it)`, () => {
    const text = readFileSync(README, 'utf8');
    const s = start.exec(text);
    const e = text.indexOf(end);
    expect(s && e > s.index).toBeTruthy();
    const current = text.slice(s!.index + s![0].length, e);
    const want = `${wanted()}\n`;
    if (process.env.UPDATE_DOCS === '1') {
      writeFileSync(README, text.slice(0, s!.index + s![0].length) + want + text.slice(e));
      return;
    }
    expect(cells(current)).toEqual(cells(want));
  });
}

describe('src/scoring/README.md', () => {
  section('rules-table', rulesMarkdownTable);
  section('rules-fixes', rulesFixesMarkdown);
});
