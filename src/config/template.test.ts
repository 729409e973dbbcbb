import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { RULES } from '../scoring/rules/index.js';
import { dirname, join } from 'node:path';
import {
  configJsonSchema,
  initConfigTemplate,
  parseConfig,
  schemaReference,
  shippedSchemaPath,
} from './index.js';

/** Un-comments every commented YAML line (keys, not prose) of the template. */
function uncomment(template: string): string {
  return template
    .split('\n')
    .map((line) => {
      const m = /^(\s*)# ((?:- )?[\w$.=-]+:(?: |$).*|\s+.*)$/.exec(line);
      return m && !line.startsWith('# yaml-language-server') ? `${m[1]}${m[2]}` : line;
    })
    .join('\n');
}

describe('nhi init template', () => {
  const template = initConfigTemplate();

  it('points editors at the schema file this installation ships, on its first line', () => {
    const [first] = template.split('\n');
    const path = /^# yaml-language-server: \$schema=(.+)$/.exec(first!)?.[1];
    expect(path).toBe(shippedSchemaPath());
    expect(JSON.parse(readFileSync(path!, 'utf8')).title).toBe('nhi configuration');
  });

  it('from a config inside the project, the reference is relative (it works on every clone)', () => {
    const root = dirname(dirname(shippedSchemaPath()));
    expect(schemaReference(root)).toBe('./schema/nhi.config.schema.json');
    // Elsewhere (a config outside the project): this installation's absolute path.
    expect(schemaReference(join(root, '..', 'elsewhere'))).toBe(shippedSchemaPath());
  });

  it('as written, is a valid config that means "all defaults"', async () => {
    const cfg = await parseConfig(template, '/p/nhi.config.yaml');
    expect(cfg.policy).toEqual({ rules: {}, exceptions: [] });
  });

  it('lists every rule; un-commented, it validates and states exactly the defaults', async () => {
    const text = uncomment(template);
    const cfg = await parseConfig(text, '/p/nhi.config.yaml');
    for (const rule of RULES) {
      const entry = cfg.policy.rules[rule.id];
      expect(entry, rule.id).toBeDefined();
      expect(entry!.enabled).toBe(true);
      expect(entry!.severity).toBe(rule.severity);
      expect(entry!.options ?? {}).toEqual(rule.options.parse({}));
      for (const [p, v] of Object.entries(rule.providerDefaults)) {
        expect(entry!.providers?.[p as 'aws']?.options).toEqual(v);
      }
    }
    expect(cfg.policy.exceptions).toHaveLength(1);
    expect(cfg.playbooks.deleteAfterDays).toBe(7);
  });

  it('the published JSON Schema accepts the un-commented template and rejects a typo', async () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(await configJsonSchema());
    expect(validate(parseYaml(uncomment(template))), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ rules: { 'credential-unused': { unusedDay: 3 } } })).toBe(false);
    expect(validate({ rules: { 'no-such-rule': {} } })).toBe(false);
    expect(validate({ providers: { aws: { allAcounts: true } } })).toBe(false);
    expect(validate({ providers: { aws: { allAccounts: true } } })).toBe(true);
  });
});

describe('schema/nhi.config.schema.json', () => {
  it('is up to date (regenerate with `npx vitest run src/config -u`)', async () => {
    // Formatted as the repository's prettier would, so `prettier --check .` stays green.
    const file = fileURLToPath(new URL('../../schema/nhi.config.schema.json', import.meta.url));
    const options = (await prettier.resolveConfig(file)) ?? {};
    const text = await prettier.format(JSON.stringify(await configJsonSchema()), {
      ...options,
      filepath: file,
    });
    await expect(text).toMatchFileSnapshot('../../schema/nhi.config.schema.json');
  });

  it('is the file the package ships', () => {
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { files: string[] };
    expect(pkg.files).toContain('schema');
  });
});
