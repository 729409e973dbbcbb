/**
 * The folder layout is the architecture; these checks keep it honest mechanically.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROVIDERS, loadConnector } from '../src/connector/registry.js';
import { RULES } from '../src/scoring/rules/index.js';
import { FAULT_SUITE_SHARDS } from './faults/demo-faults.js';

const root = resolve(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'node_modules' ? [] : sources(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** Relative import specifiers (static and dynamic), resolved to repo-relative paths. */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\(\s*)['"](\.[^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.map((s) => relative(root, resolve(dirname(file), s)));
}

const PUBLIC_CORE = [
  'src/connector/index.js',
  'src/connector/testing.js',
  // The stand-in kit: used by stand-ins (tests, demo, benchmarks), never by a real scan.
  'src/connector/stand-in.js',
  'src/model/index.js',
];

describe('architecture', () => {
  it('every connector is under the fault suite, once', () => {
    const covered = Object.values(FAULT_SUITE_SHARDS).flat();
    expect([...covered].sort()).toEqual([...PROVIDERS].sort());
  });

  it('core code never imports a connector, except the registry through lazy imports', () => {
    const offenders = sources(join(root, 'src'))
      .filter((f) => !f.endsWith('src/connector/registry.ts'))
      .flatMap((f) =>
        relativeImports(f)
          .filter((p) => p.startsWith('connectors/'))
          .map((p) => `${relative(root, f)} -> ${p}`),
      );
    expect(offenders).toEqual([]);
    const registry = readFileSync(join(root, 'src/connector/registry.ts'), 'utf8');
    expect(registry).not.toMatch(/^import [^t].*connectors\//m);
  });

  it('connectors import only the core public contract (and fixtures for their demo estate)', () => {
    const offenders: string[] = [];
    for (const provider of readdirSync(join(root, 'connectors'))) {
      for (const f of sources(join(root, 'connectors', provider))) {
        for (const p of relativeImports(f)) {
          const ownFolder = p.startsWith(`connectors/${provider}/`);
          const fixtures = p.startsWith('fixtures/');
          if (!ownFolder && !fixtures && !PUBLIC_CORE.includes(p))
            offenders.push(`${relative(root, f)} -> ${p}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('every coverage signal a rule reads is declared by some connector', async () => {
    const declared = new Set<string>();
    for (const id of PROVIDERS)
      for (const s of (await loadConnector(id)).signals) declared.add(s.signal);
    const undeclared = RULES.flatMap((r) =>
      r.signals.filter((s) => !declared.has(s)).map((s) => `${r.id}: ${s}`),
    );
    expect(undeclared).toEqual([]);
  });

  it('the registry lists exactly the connector folders on disk', () => {
    const folders = readdirSync(join(root, 'connectors')).filter(
      (n) => !n.startsWith('_') && statSync(join(root, 'connectors', n)).isDirectory(),
    );
    expect([...PROVIDERS].sort()).toEqual(folders.sort());
  });

  /** Every connector in the same shape (CONTRIBUTING.md): a reader who knows one knows all. */
  const SHAPE = [
    'index.ts',
    'options.ts',
    'schema.ts',
    'client.ts',
    'scan.ts',
    'map',
    'actions.ts',
    'doctor.ts',
    'stand-in/index.ts',
    'README.md',
  ];
  it.each(['_template', ...PROVIDERS])('%s has the common connector shape', (p) => {
    const missing = SHAPE.filter((f) => {
      try {
        statSync(join(root, 'connectors', p, f));
        return false;
      } catch {
        return true;
      }
    });
    expect(missing).toEqual([]);
  });

  it('the catalog stores playbook records from the model and never imports src/playbooks', () => {
    const offenders = sources(join(root, 'src/catalog')).flatMap((f) =>
      relativeImports(f)
        .filter((p) => p.startsWith('src/playbooks/'))
        .map((p) => `${relative(root, f)} -> ${p}`),
    );
    expect(offenders).toEqual([]);
  });

  it('only the catalog imports better-sqlite3 and only client.ts files import cloud SDKs', () => {
    const sdk =
      /from ['"](@aws-sdk|@azure|@octokit|@googleapis|google-auth-library|openai|@anthropic-ai)/;
    const offenders: string[] = [];
    for (const f of [...sources(join(root, 'src')), ...sources(join(root, 'connectors'))]) {
      const rel = relative(root, f);
      const text = readFileSync(f, 'utf8');
      if (/from ['"]better-sqlite3['"]/.test(text) && !rel.startsWith('src/catalog/'))
        offenders.push(rel);
      const isTest = rel.endsWith('.test.ts') || rel.includes('/stand-in/');
      if (
        sdk.test(text.replace(/import type[^;]+;/g, '')) &&
        !rel.endsWith('/client.ts') &&
        !isTest
      ) {
        offenders.push(rel);
      }
    }
    expect(offenders).toEqual([]);
  });
});
