/// <reference lib="dom" />
/**
 * The HTML report in a real browser: Debian's Chromium (installed by .ci/run; no browser
 * download), driven by puppeteer-core. The report of the demo estate, and of an estate whose
 * names attack HTML, is opened from file:// with JavaScript off and on: it logs no error, makes
 * no request beyond its own file, shows its charts as rendered SVG, and a hostile identity name
 * is text. A screenshot of the demo report is saved (path printed) for the closing note.
 *
 * Without Chromium the test is skipped with a message on a developer machine; with CI=true it
 * fails, since CI must run it. Needs `npm run build` first.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsStandIn, type AwsStandIn } from '../connectors/aws/stand-in/server.js';
import { HOSTILE_CALLER, PAYLOADS, hostileAwsEstate } from '../fixtures/hostile/index.js';
import { nhi, scrubbedEnv, tempDir } from './run-cli.js';

function findChromium(): string | null {
  const named = process.env.CHROMIUM_PATH;
  if (named) return existsSync(named) ? named : null;
  for (const bin of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('which', [bin], { encoding: 'utf8' }).trim() || null;
    } catch {
      // not on PATH: try the next name
    }
  }
  return null;
}

const chromium = findChromium();
if (!chromium) {
  if (process.env.CI === 'true')
    throw new Error(
      "Chromium is missing: .ci/run installs Debian's chromium package for this test",
    );
  console.warn(
    'html-report browser test skipped: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)',
  );
}

/** Where the screenshot goes: NHI_SCREENSHOT_DIR, else a folder in the temp directory. */
const SHOTS = process.env.NHI_SCREENSHOT_DIR ?? join(tmpdir(), 'nhi-html-report');

interface Visit {
  page: Page;
  errors: string[];
  requests: string[];
  dialogs: string[];
}

describe.skipIf(!chromium)('HTML report in headless Chromium', () => {
  let browser: Browser;
  let demoReport: string;
  let hostileReport: string;
  let aws: AwsStandIn | undefined;

  beforeAll(async () => {
    const dir = tempDir('nhi-html-');
    const env = scrubbedEnv();
    const demo = join(dir, 'demo.db');
    const scan = await nhi(['scan', '--demo', '--catalog', demo, '-q'], { env });
    expect(scan.code, scan.stderr).toBe(0);
    demoReport = join(dir, 'demo report.html');
    const r = await nhi(['report', '--format', 'html', '-o', demoReport, '--catalog', demo], {
      env,
    });
    expect(r.code, r.stderr).toBe(0);

    const estate = hostileAwsEstate(new Date());
    aws = await startAwsStandIn({ estate });
    const hostile = join(dir, 'hostile.db');
    const config = join(dir, 'nhi.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        providers: { aws: { endpoint: aws.url, maxAttempts: 1, pollIntervalMs: 5 } },
      }),
    );
    const henv = scrubbedEnv({
      AWS_ACCESS_KEY_ID: HOSTILE_CALLER.accessKeyId,
      AWS_SECRET_ACCESS_KEY: HOSTILE_CALLER.secretAccessKey,
      AWS_REGION: 'us-east-1',
    });
    const hs = await nhi(['scan', '--provider', 'aws', '--catalog', hostile, '--config', config], {
      env: henv,
    });
    expect([0, 3], hs.stdout).toContain(hs.code);
    hostileReport = join(dir, 'hostile.html');
    const hr = await nhi(
      ['report', '--format', 'html', '-o', hostileReport, '--catalog', hostile, '--config', config],
      { env: henv },
    );
    expect(hr.code, hr.stderr).toBe(0);

    const puppeteer = (await import('puppeteer-core')).default;
    browser = await puppeteer.launch({
      executablePath: chromium!,
      headless: true,
      // Root in CI containers: Chromium's sandbox needs user namespaces it may not have.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await aws?.close();
  });

  async function visit(file: string, js: boolean): Promise<Visit> {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    await page.setJavaScriptEnabled(js);
    const v: Visit = { page, errors: [], requests: [], dialogs: [] };
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warn') v.errors.push(m.text());
    });
    page.on('pageerror', (e) => v.errors.push(String(e)));
    page.on('requestfailed', (r) => v.errors.push(`failed: ${r.url()}`));
    page.on('request', (r) => v.requests.push(r.url()));
    page.on('dialog', (d) => {
      v.dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return v;
  }

  for (const js of [false, true]) {
    it(`loads the demo report from file:// with JavaScript ${js ? 'on' : 'off'}: no error, no request, charts drawn`, async () => {
      const v = await visit(demoReport, js);
      const { page } = v;
      expect(v.errors).toEqual([]);
      expect(v.dialogs).toEqual([]);
      // The document itself, nothing else: no script, font, image or stylesheet fetched.
      expect(v.requests).toEqual([pathToFileURL(demoReport).href]);

      const charts = await page.$$eval('figure svg[role="img"]', (svgs) =>
        svgs.map((s) => ({
          label: s.getAttribute('aria-labelledby'),
          marks: s.querySelectorAll('.role-mark path, .role-mark rect').length,
          width: s.getBoundingClientRect().width,
          height: s.getBoundingClientRect().height,
        })),
      );
      expect(charts.map((c) => c.label)).toEqual([
        'chart-severity-title',
        'chart-age-title',
        'chart-rotation-title',
        'chart-risky-title',
      ]);
      for (const c of charts) {
        expect(c.marks).toBeGreaterThan(0);
        expect(c.width).toBeGreaterThan(100);
        expect(c.height).toBeGreaterThan(50);
      }
      // Every chart has its text alternative and data table.
      expect(await page.$$eval('figure details table', (t) => t.length)).toBe(4);

      // The streamed document parses as one tree: sections inside main, rows inside the table.
      expect(await page.$$eval('main > section', (x) => x.length)).toBeGreaterThanOrEqual(3);
      expect(await page.$$eval('body > footer', (x) => x.length)).toBe(1);
      const rows = await page.$$eval('main #findings-table > tbody > tr', (trs) => trs.length);
      expect(rows).toBeGreaterThan(50);
      const formHidden = await page.$eval('#filters', (f) => (f as HTMLFormElement).hidden);
      expect(formHidden).toBe(!js);
      const kpis = await page.$$eval('.kpis > div', (d) => d.length);
      expect(kpis).toBeGreaterThan(10);

      if (js) {
        await page.select('#filters select[name="severity"]', 'critical');
        await page.waitForFunction(() =>
          document.getElementById('shown')?.textContent?.includes(' shown'),
        );
        const shown = await page.$$eval('#findings-table tbody tr', (trs) =>
          trs.filter((t) => !(t as HTMLElement).hidden).map((t) => t.dataset.severity),
        );
        expect(shown.length).toBeGreaterThan(0);
        expect(new Set(shown)).toEqual(new Set(['critical']));
        expect(shown.length).toBeLessThan(rows);
      } else {
        mkdirSync(SHOTS, { recursive: true });
        const png = join(SHOTS, 'report-demo.png');
        await page.screenshot({ path: png, fullPage: false });
        const charts = join(SHOTS, 'report-demo-charts.png');
        const section = await page.$('section[aria-labelledby="charts-h"]');
        await section!.screenshot({ path: charts });
        console.log(`html report screenshots: ${png}, ${charts}`);
        expect(existsSync(png)).toBe(true);
      }
      await page.close();
    });
  }

  it('follows the reader: dark colours when asked, filters left out when printed', async () => {
    const v = await visit(demoReport, true);
    const bg = () => v.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await v.page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
    const light = await bg();
    await v.page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    const dark = await bg();
    expect(light).toBe('rgb(255, 255, 255)');
    expect(dark).not.toBe(light);
    await v.page.emulateMediaType('print');
    expect(await v.page.$eval('#filters', (f) => getComputedStyle(f).display)).toBe('none');
    await v.page.close();
  });

  for (const js of [false, true]) {
    it(`shows hostile names as text with JavaScript ${js ? 'on' : 'off'}`, async () => {
      const v = await visit(hostileReport, js);
      expect(v.dialogs).toEqual([]);
      expect(v.requests).toEqual([pathToFileURL(hostileReport).href]);
      expect(v.errors).toEqual([]);
      // The name is in the page as text; no element came out of it.
      const cells = await v.page.$$eval('#findings-table tbody td:nth-child(4)', (tds) =>
        tds.map((t) => t.textContent),
      );
      expect(cells).toContain(PAYLOADS.html);
      expect(await v.page.$$eval('img', (i) => i.length)).toBe(0);
      expect(await v.page.$$eval('script', (s) => s.length)).toBe(1);
      await v.page.close();
    });
  }
});
