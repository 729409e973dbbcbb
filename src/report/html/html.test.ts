/**
 * The HTML renderer over the shared renderer fixture plus hostile strings in every place a
 * provider string lands (names, messages, evidence, scope names in charts): nothing becomes
 * markup, the page names no external resource, and the CSP admits exactly the inline script.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../model/index.js';
import { reportFixture } from '../fixture.js';
import { renderInput } from '../stream.js';
import { renderCharts } from './charts.js';
import { htmlRenderer, type HtmlHead } from './document.js';
import { markup, text, trusted } from './escape.js';
import { SCRIPT } from './script.js';

const EVIL = '<script>alert(1)</script>"\'&\u202etxt.exe\u001b[2J';

async function page(): Promise<string> {
  const input = reportFixture();
  const findings: Finding[] = input.findings.map((f, i) =>
    i === 0
      ? {
          ...f,
          identityName: EVIL,
          scopeName: EVIL,
          message: EVIL,
          evidence: { [EVIL]: EVIL, nested: { x: EVIL } },
          owner: EVIL,
          team: 'platform',
          ownerVia: 'tag owner (high)',
          purpose: EVIL,
        }
      : f,
  );
  const charts = await renderCharts({
    severityTrend: [{ run: EVIL, severity: 'high', count: 2 }],
    ageDistribution: [{ provider: EVIL, bucket: '≤30 d', count: 1 }],
    ageBuckets: ['≤30 d'],
    rotationByScope: [{ scope: EVIL, compliant: 1, judged: 2 }],
    topIdentities: [{ name: EVIL, provider: 'aws', score: 80, band: 'high' }],
  });
  return renderInput(
    (head) =>
      htmlRenderer({
        ...head,
        run: { id: 3, at: '2026-11-01T00:00:00.000Z' },
        posture: null,
        charts,
        rules: { 'credential-unused': { title: 'Unused', help: `Revoke it ${EVIL}` } },
        providers: ['aws', EVIL],
      } satisfies HtmlHead),
    { ...input, findings },
  );
}

describe('HTML report', () => {
  it('shows each finding’s stored owner, team, signal and purpose', async () => {
    const out = await page();
    expect(out).toContain(
      '<dt>owner</dt><dd>&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;\\u202etxt.exe\\u001b[2J (platform) from tag owner (high)</dd><dt>purpose</dt>',
    );
    expect(out).toContain('<dt>owner</dt><dd>none recorded</dd>');
  });

  it('escapes provider strings everywhere and keeps controls visible', async () => {
    const out = await page();
    expect(out).not.toContain('<script>alert');
    expect(out).not.toContain('\u202e');
    expect(out).not.toContain('\u001b');
    expect(out).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;\\u202etxt.exe\\u001b[2J',
    );
    // One script element: the filter.
    expect(out.match(/<script/g)).toHaveLength(1);
    // Four charts, each an image with a caption, a description and a data table.
    expect(out.match(/<svg role="img"/g)).toHaveLength(4);
    expect(out.match(/<figure/g)).toHaveLength(4);
  });

  it('names no external resource and admits only its own script', async () => {
    const out = await page();
    const urls = [...out.matchAll(/(?:src|href)=["']?([^"' >]+)/g)].map((m) => m[1]);
    expect(urls.filter((u) => !u!.startsWith('#'))).toEqual([]);
    const hash = createHash('sha256').update(SCRIPT).digest('base64');
    expect(out).toContain(`script-src 'sha256-${hash}'`);
    expect(out).toContain(`<script>${SCRIPT}</script>`);
    expect(out).toContain("default-src 'none'");
  });

  it('the template escapes values and passes only trusted markup', () => {
    expect(markup`<b>${'<i>'}</b>${trusted('<br>')}${[1, '<', null]}`.value).toBe(
      '<b>&lt;i&gt;</b><br>1&lt;',
    );
    expect(text('a"b\'c')).toBe('a&quot;b&#39;c');
  });
});
