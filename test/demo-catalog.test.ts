/**
 * The demo estate never mixes with a real one: `scan --demo` writes its own catalog, which
 * the explore commands read only until a real catalog exists; a catalog holding one kind of
 * estate refuses scans of the other.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDERS, loadConnector } from '../src/connector/registry.js';
import type { DemoHandle } from '../src/connector/index.js';
import { nhi, scrubbedEnv, tempDir } from './run-cli.js';

describe('demo and real catalogs', () => {
  let home: string;
  let env: Record<string, string>;
  let aws: DemoHandle;
  let config: string;

  beforeAll(async () => {
    env = scrubbedEnv();
    home = env.HOME!;
    aws = await (await loadConnector('aws')).startDemo(new Date());
    config = join(tempDir(), 'nhi.config.json');
    writeFileSync(config, JSON.stringify({ providers: { aws: aws.options } }));
  });
  afterAll(() => aws.close());

  const providersOf = (stdout: string) =>
    new Set((JSON.parse(stdout) as { provider: string }[]).map((c) => c.provider));

  it('scan --demo writes demo.db; list reads it (and says so) until a real catalog exists', async () => {
    const scan = await nhi(['scan', '--demo', '-q'], { env });
    expect(scan.code).toBe(0);
    // -q: nothing but errors (the cron line mails whatever is printed).
    expect(scan.stdout + scan.stderr).toBe('');
    const list = await nhi(['list', '--format', 'json'], { env });
    expect(list.code).toBe(0);
    expect(list.stderr).toContain('Showing the demo estate');
    expect(providersOf(list.stdout)).toEqual(new Set(PROVIDERS));

    // A real scan (here of an AWS endpoint) gets its own catalog: no demo scope in its views.
    const real = await nhi(['scan', '--provider', 'aws', '--config', config, '-q'], {
      env: { ...env, ...aws.env },
    });
    expect(real.code, real.stderr).toBe(0);
    const after = await nhi(['list', '--format', 'json'], { env });
    expect(after.stderr).not.toContain('Showing the demo estate');
    expect(providersOf(after.stdout)).toEqual(new Set(['aws']));
  });

  it('a catalog holding a real estate refuses the demo, and the other way round', async () => {
    const realCatalog = join(home, '.local', 'share', 'nhi', 'catalog.db');
    const demoInReal = await nhi(['scan', '--demo', '--catalog', realCatalog], { env });
    expect(demoInReal.code).toBe(2);
    expect(demoInReal.stderr).toMatch(/holds a real estate: the demo goes to its own catalog/);
    const demoCatalog = join(home, '.local', 'share', 'nhi', 'demo.db');
    const realInDemo = await nhi(
      ['scan', '--provider', 'aws', '--config', config, '--catalog', demoCatalog],
      { env: { ...env, ...aws.env } },
    );
    expect(realInDemo.code).toBe(2);
    expect(realInDemo.stderr).toMatch(/holds the demo estate/);
  });
});
