/**
 * `--json <fields>` is validated against each command's declared fields (src/cli/json-fields.ts)
 * before it runs. This keeps the declarations true: every declared command's real JSON output
 * (the built CLI on the demo catalog) has exactly the declared fields, of each item of a list or
 * of the document.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { JSON_FIELDS, declaredFields } from '../src/cli/json-fields.js';
import { nhi, tempDir } from './run-cli.js';

const catalog = join(tempDir(), 'demo.db');
const run = (args: string[]) => nhi([...args, '--catalog', catalog]);
let scanJson: string;

/** Fields a document carries only sometimes (report: when dated; scan: when it pruned). */
const OPTIONAL = new Set(['generatedAt', 'pruned']);

beforeAll(async () => {
  const first = await run(['scan', '--demo', '--json']);
  expect(first.code, first.stderr).toBe(0);
  scanJson = first.stdout;
  expect((await run(['scan', '--demo', '-q'])).code).toBe(0);
  const id = (
    JSON.parse((await run(['list', '--json', 'id', '--limit', '1'])).stdout) as {
      id: string;
    }[]
  )[0]!.id;
  expect((await run(['revoke', id])).code).toBe(0);
}, 180_000);

const CASES: [path: string, args: string[], opts?: Record<string, unknown>][] = [
  ['list', ['list']],
  ['list', ['list', '--identities'], { identities: true }],
  ['report', ['report']],
  ['check', ['check', '--fail-on', 'critical']],
  ['posture', ['posture']],
  ['rules', ['rules']],
  ['owners', ['owners']],
  ['runs', ['runs']],
  ['diff', ['diff']],
  ['prune', ['prune', '--keep-runs', '50', '--dry-run']],
  ['doctor', ['doctor', '--demo']],
  ['playbook list', ['playbook', 'list']],
];

describe('declared --json fields match the real output', () => {
  it('every declared command is exercised here', () => {
    const covered = new Set([...CASES.map(([p]) => p), 'scan', 'show']);
    expect([...covered].sort()).toEqual(Object.keys(JSON_FIELDS).sort());
  });

  const check = (path: string, text: string, opts: Record<string, unknown> = {}) => {
    const doc = JSON.parse(text) as unknown;
    const item = (Array.isArray(doc) ? doc[0] : doc) as Record<string, unknown>;
    expect(item, `${path}: no item to compare`).toBeTruthy();
    const declared = declaredFields(path, opts)!;
    expect(Object.keys(item)).toEqual(declared.filter((f) => f in item));
    for (const f of declared) if (!(f in item)) expect(OPTIONAL.has(f), `${path}: ${f}`).toBe(true);
  };

  it.each(CASES)('%s %j', async (path, args, opts) => {
    const r = await run([...args, '--json']);
    expect([0, 1]).toContain(r.code);
    check(path, r.stdout, opts);
  });

  it('scan and show', async () => {
    check('scan', scanJson);
    const id = (
      JSON.parse((await run(['list', '--json', 'id', '--limit', '1'])).stdout) as {
        id: string;
      }[]
    )[0]!.id;
    check('show', (await run(['show', id, '--json'])).stdout);
  });
});
