import MarkdownIt from 'markdown-it';
import { annotateFindings, attributeAll } from '../owners/annotate.js';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../scoring/engine.js';
import { NOW, credential, identity, input } from '../scoring/testing.js';
import { csvText } from './csv.js';
import { jsonText } from './json.js';
import { renderMarkdown } from './markdown.js';
import { cell, guard, line, styled, tty } from './terminal.js';

const ESC = '\u001b';

describe('tty: one data value as one visible line', () => {
  it.each([
    ['OSC 52', `a${ESC}]52;c;eA==\u0007b`, 'a\\u001b]52;c;eA==\\u0007b'],
    ['CSI 2J', `${ESC}[2J`, '\\u001b[2J'],
    ['CR/LF', 'x\r\nFAKE', 'x\\r\\nFAKE'],
    ['tab', '\tx', '\\tx'],
    ['C1 CSI and NEL', 'a\u009b2J\u0085b', 'a\\u009b2J\\u0085b'],
    ['DEL', 'a\u007fb', 'a\\u007fb'],
    ['bidi override and isolate', 'a\u202eb\u2066c', 'a\\u202eb\\u2066c'],
    ['line separator', 'a\u2028b', 'a\\u2028b'],
    ['plain text, unicode and backslashes', 'Zoë\\n ✓', 'Zoë\\n ✓'],
  ])('%s', (_what, raw, shown) => {
    expect(tty(raw)).toBe(shown);
  });

  it('shows null and numbers', () => {
    expect(tty(null)).toBe('');
    expect(tty(42)).toBe('42');
  });

  it('line`…` neutralises what is interpolated, not the template', () => {
    expect(line`a\n${'b\nFAKE'} ${ESC}`).toBe('a\nb\\nFAKE \\u001b');
  });

  it('table cells: data neutralised, styled text kept', () => {
    expect(cell(`${ESC}[31mred`)).toBe('\\u001b[31mred');
    expect(cell(styled(`${ESC}[31mred${ESC}[39m`))).toBe(`${ESC}[31mred${ESC}[39m`);
  });
});

describe('guard: the last check before a stream', () => {
  const text = `ok ${ESC}[31mred${ESC}[39m\nname ${ESC}]8;;https://x${ESC}\\y\r`;
  it('keeps line breaks and, only when colour is on, colour sequences', () => {
    expect(guard(text, true)).toBe(
      `ok ${ESC}[31mred${ESC}[39m\nname \\u001b]8;;https://x\\u001b\\y\\r`,
    );
    expect(guard(text, false)).toBe(
      'ok \\u001b[31mred\\u001b[39m\nname \\u001b]8;;https://x\\u001b\\y\\r',
    );
  });
  it('leaves JSON valid and exact', () => {
    const value = { name: `a\u0085b\u202ec${ESC}` };
    const guarded = guard(JSON.stringify(value), false);
    expect(guarded).not.toMatch(/[\u0085\u202e]/);
    expect(JSON.parse(guarded)).toEqual(value);
  });
});

describe('jsonText', () => {
  it('escapes what JSON.stringify leaves raw, keeping the value', () => {
    const value = { s: 'a\u0085\u009b\u202e\u2028\u007f' };
    const text = jsonText(value);
    expect(text).toBe('{"s":"a\\u0085\\u009b\\u202e\\u2028\\u007f"}');
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('csvText: one formula policy for every CSV', () => {
  it('prefixes formula starts with a quote, keeps numbers and other text exact', () => {
    const csv = csvText(
      [['=1+1', '+1', '-1', '@x', '\t=1', '\r=1', '＝1', -5, 'a,b', 'x\ny']],
      ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'],
    );
    expect(csv.split('\n')[1]).toBe(`'=1+1,'+1,'-1,'@x,'\t=1,"'\r=1",'＝1,-5,"a,b","x`);
  });
});

describe('markdown: no provider string adds markup', () => {
  const md = new MarkdownIt({ html: true, linkify: true });
  const hostile = [
    'tick`` ` x',
    '`lead',
    'pipe|a||b',
    '<img src=x onerror=alert(1)>',
    '[docs](https://evil.example)',
    '**bold** _em_ ~~del~~',
    '# heading',
    '@security-team and #12',
    'see https://evil.example and www.evil.example',
    '$\\color{red}{x}$',
    '&lt;b&gt;',
    `x\r\n# FAKE ${ESC}[2J`,
  ];

  function rendered(names: string[]) {
    const user = (name: string, i: number) =>
      identity({
        id: `i-${i}`,
        name,
        externalId: `arn:aws:iam::1:user/${i}`,
        owner: null,
        // Owner and purpose are provider strings too (tags, descriptions).
        tags: { owner: name, team: name },
        attributes: { description: name },
      });
    const ids = names.map(user);
    const credentials = ids.map((u, i) =>
      credential(u, {
        id: `c-${i}`,
        externalId: names[i]!,
        name: names[i]!,
        createdAt: '2020-01-01T00:00:00.000Z',
      }),
    );
    const ev = evaluate(input({ identities: ids, credentials }), { rules: {}, exceptions: [] });
    const findings = annotateFindings(ev.findings, attributeAll({ identities: ids, credentials }));
    expect(findings.some((f) => f.owner)).toBe(true);
    return md.render(renderMarkdown({ ...ev, findings, generatedAt: NOW.toISOString() }));
  }

  it('renders names and messages as text, in a table that keeps its columns', () => {
    const html = rendered(hostile);
    expect(html).not.toMatch(/<(img|a|em|strong|del|h[3-6])[\s>]/);
    expect(html.match(/<h2>[^<]*<\/h2>/g)).toEqual(['<h2>Findings</h2>', '<h2>How to fix</h2>']);
    expect(html.match(/<h1>/g)).toHaveLength(1);
    const rows = html.split('<tbody>')[2]!.split('</tbody>')[0]!.split('<tr>').slice(1);
    expect(rows.length).toBeGreaterThanOrEqual(hostile.length);
    for (const r of rows) expect(r.match(/<td[ >]/g)).toHaveLength(10);
    // Code spans hold the value exactly, whatever backticks it carries.
    expect(html).toContain('<code>tick`` ` x</code>');
    expect(html).toContain('<code>`lead</code>');
    expect(html).toContain('<code>x\\r\\n# FAKE \\u001b[2J</code>');
    expect(html).toContain('&amp;lt;b&amp;gt;');
  });
});
