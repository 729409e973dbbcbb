/**
 * The AI-platform connectors as a user runs them: `OPENAI_ADMIN_KEY=… nhi scan --provider
 * openai` (and the Anthropic equivalent) through the built CLI, the official SDK and HTTP
 * against each stand-in, paging through every listing — every key inventoried, and no key
 * value anywhere in the catalog file (only ids, names, redacted hints).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildOpenaiDemoEstate,
  issuedValues as openaiValues,
  startOpenaiStandIn,
} from '../connectors/openai/stand-in/index.js';
import {
  buildAnthropicDemoEstate,
  issuedValues as anthropicValues,
  startAnthropicStandIn,
} from '../connectors/anthropic/stand-in/index.js';
import { nhi, scrubbedEnv, tempDir } from './run-cli.js';

const STACK = /\n\s+at /;
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
});

/** The catalog file and its write-ahead log: every byte nhi stored. */
function catalogBytes(catalog: string): string {
  return [catalog, `${catalog}-wal`]
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f).toString('latin1'))
    .join('');
}

interface Case {
  provider: 'openai' | 'anthropic';
  start(): Promise<{
    url: string;
    keyEnv: string;
    key: string;
    baseUrl: string;
    values: string[];
    keys: number;
    paged: () => number;
  }>;
}

const CASES: Case[] = [
  {
    provider: 'openai',
    async start() {
      const s = await startOpenaiStandIn({ estate: buildOpenaiDemoEstate(new Date()), pageCap: 2 });
      closers.push(() => s.close());
      return {
        url: s.url,
        baseUrl: `${s.url}/v1`,
        keyEnv: 'OPENAI_ADMIN_KEY',
        key: s.adminKey,
        values: openaiValues(s.estate),
        keys: s.estate.adminKeys.length + s.estate.projects.reduce((n, p) => n + p.keys.length, 0),
        paged: () => s.requests.filter((r) => r.query.includes('after=')).length,
      };
    },
  },
  {
    provider: 'anthropic',
    async start() {
      const s = await startAnthropicStandIn({
        estate: buildAnthropicDemoEstate(new Date()),
        pageCap: 2,
      });
      closers.push(() => s.close());
      return {
        url: s.url,
        baseUrl: s.url,
        keyEnv: 'ANTHROPIC_ADMIN_KEY',
        key: s.adminKey,
        values: anthropicValues(s.estate),
        keys: s.estate.keys.filter((k) => k.status !== 'archived').length,
        paged: () => s.requests.filter((r) => /after_id=|page=/.test(r.query)).length,
      };
    },
  },
];

describe.each(CASES)('nhi scan --provider $provider', ({ provider, start }) => {
  it('inventories every key over HTTP, page after page, and stores no key value', async () => {
    const s = await start();
    const dir = tempDir('nhi-ai-');
    const catalog = join(dir, 'catalog.db');
    const config = join(dir, 'nhi.config.json');
    writeFileSync(config, JSON.stringify({ providers: { [provider]: { baseUrl: s.baseUrl } } }));
    const env = scrubbedEnv({ [s.keyEnv]: s.key });
    const args = ['--config', config, '--catalog', catalog];
    const scan = await nhi(['scan', '--provider', provider, ...args], { env });
    expect(scan.stderr).not.toMatch(STACK);
    expect(scan.code, scan.stdout + scan.stderr).toBe(0);
    expect(s.paged()).toBeGreaterThan(0);
    const list = JSON.parse(
      (await nhi(['list', '--format', 'json', '--provider', provider, ...args], { env })).stdout,
    ) as { provider: string; type: string }[];
    expect(list).toHaveLength(s.keys);
    expect(list.every((c) => c.type === 'api-key')).toBe(true);
    // The admin key nhi scanned with is among the issued values: it must not be stored either.
    const bytes = catalogBytes(catalog);
    expect(bytes.length).toBeGreaterThan(0);
    const leaked = s.values.filter((v) => bytes.includes(v));
    expect(leaked).toEqual([]);
  }, 120_000);
});

describe('nhi scan --demo', () => {
  it('shows the AI estate: OpenAI and Anthropic organizations with their keys', async () => {
    const dir = tempDir('nhi-ai-demo-');
    const catalog = join(dir, 'demo.db');
    const scan = await nhi([
      'scan',
      '--demo',
      '--provider',
      'openai,anthropic',
      '--catalog',
      catalog,
    ]);
    expect(scan.code, scan.stdout + scan.stderr).toBe(0);
    expect(scan.stdout).toContain('openai');
    expect(scan.stdout).toContain('anthropic');
    const list = JSON.parse(
      (await nhi(['list', '--format', 'json', '--catalog', catalog])).stdout,
    ) as { provider: string; name: string | null }[];
    const names = (p: string) => list.filter((c) => c.provider === p).map((c) => c.name);
    expect(names('openai')).toEqual(
      expect.arrayContaining(['bootstrap-admin', 'lucas-support-debug', 'batch-eval']),
    );
    expect(names('anthropic')).toEqual(
      expect.arrayContaining(['ci-evals', 'lucas-prototype', 'pricing-experiment']),
    );
  }, 120_000);
});
