/**
 * The AI estate end to end: `nhi scan --demo` through the built CLI, then the views a user
 * reads. The demo's AI mistakes are flagged by name (a never-used OpenAI admin key, a
 * long-term Bedrock API key, an unrestricted Gemini key, the OPENAI_API_KEY Actions secret, an
 * Azure OpenAI account that accepts keys), every one marked `ai`, and `--ai` keeps the AI
 * estate and nothing else.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../src/model/index.js';
import { nhi, tempDir } from './run-cli.js';

interface Row {
  provider: string;
  name: string | null;
  externalId: string;
  type: string;
  score: number;
  ai: boolean;
}

let catalog: string;
let findings: Finding[];

const json = async <T>(args: string[]): Promise<T> => {
  const r = await nhi([...args, '--format', 'json', '--catalog', catalog]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
};

beforeAll(async () => {
  catalog = join(tempDir('nhi-ai-findings-'), 'demo.db');
  const scan = await nhi(['scan', '--demo', '--catalog', catalog]);
  expect(scan.code, scan.stdout + scan.stderr).toBe(0);
  findings = (await json<{ findings: Finding[] }>(['report', '--ai'])).findings;
}, 300_000);

const flagged = (rule: string, match: (f: Finding) => boolean) =>
  findings.filter((f) => f.ruleId === rule && f.outcome === 'fail' && match(f));

describe('nhi scan --demo: the AI estate and its mistakes', () => {
  it('flags the never-used OpenAI admin key once, high, with revoke as the fix', () => {
    const [f, ...more] = flagged(
      'ai-admin-key-unused',
      (x) => x.credentialExternalId === 'key_admin_bootstrap',
    );
    expect(more).toEqual([]);
    expect(f).toMatchObject({ severity: 'high', provider: 'openai', ai: true, playbook: 'revoke' });
    expect(f!.evidence).toMatchObject({ lastUsedAt: null });
    // Not reported a second time by the generic never-used rule.
    expect(
      findings.filter(
        (x) =>
          x.ruleId === 'credential-never-used' && x.credentialExternalId === 'key_admin_bootstrap',
      ),
    ).toEqual([]);
  });

  it('flags the long-term Bedrock API key of ml-inference and not the 30-day one of ml-eval', () => {
    expect(flagged('bedrock-key-long-term', (x) => x.identityName === 'ml-inference')).toHaveLength(
      1,
    );
    expect(flagged('bedrock-key-long-term', (x) => x.identityName === 'ml-eval')).toEqual([]);
  });

  it('flags the unrestricted Gemini prototype key, not the key restricted to the Gemini API', () => {
    const names = flagged('ai-api-key-unrestricted', () => true).map((f) => f.message);
    expect(names.some((m) => m.includes('Gemini prototype'))).toBe(true);
    expect(names.some((m) => m.includes('route planner'))).toBe(false);
  });

  it('flags the OPENAI_API_KEY Actions secret with OpenAI workload identity federation as the fix', () => {
    const [f] = flagged('ai-key-in-ci', (x) =>
      (x.credentialExternalId ?? '').endsWith(':OPENAI_API_KEY'),
    );
    expect(f).toBeDefined();
    expect(f!.evidence.replacement).toContain('developers.openai.com');
  });

  it('flags an Azure OpenAI account that accepts keys', () => {
    expect(flagged('ai-account-local-auth', () => true).length).toBeGreaterThan(0);
  });

  it('reports only AI-reaching subjects under --ai, each marked in the JSON', () => {
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => f.ai === true)).toBe(true);
    expect(findings.some((f) => f.ruleId === 'root-access-key')).toBe(false);
  });

  it('lists the AI estate under --ai: OpenAI and Anthropic keys, Bedrock keys, the CI secret', async () => {
    const all = await json<Row[]>(['list']);
    const ai = await json<Row[]>(['list', '--ai']);
    expect(ai.length).toBeGreaterThan(0);
    expect(ai.length).toBeLessThan(all.length);
    // The same marker, in the JSON of every row.
    expect(ai.every((r) => r.ai)).toBe(true);
    expect(all.filter((r) => r.ai)).toHaveLength(ai.length);
    const providers = new Set(ai.map((r) => r.provider));
    for (const p of ['openai', 'anthropic', 'aws', 'gcp', 'github']) expect(providers).toContain(p);
    expect(ai.some((r) => r.type === 'service-specific-credential')).toBe(true);
    expect(ai.some((r) => r.name === 'OPENAI_API_KEY')).toBe(true);
    expect(ai.some((r) => r.name === 'NPM_TOKEN')).toBe(false);
  });

  it("nhi show marks the grants that reach Bedrock and the identity's Bedrock key", async () => {
    const shown = await json<{
      grants: { permission: string; ai: boolean }[];
      credentials: { type: string; ai: boolean }[];
    }>(['show', 'ml-inference']);
    expect(shown.grants.some((g) => g.ai && g.permission.startsWith('bedrock:'))).toBe(true);
    expect(shown.credentials.find((c) => c.type === 'service-specific-credential')?.ai).toBe(true);
  });

  it('nhi check --ai fails on the AI findings alone', async () => {
    const r = await nhi(['check', '--ai', '--fail-on', 'high', '--catalog', catalog]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/ai-|bedrock-key/);
  });
});
