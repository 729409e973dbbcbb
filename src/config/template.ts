/**
 * `nhi init`: a commented config file generated from the rule registry, so it lists every rule
 * with its current defaults and can never drift from the code.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { RULES } from '../scoring/rules/index.js';
import type { AnyRule } from '../scoring/types.js';
import { playbookReach } from '../scoring/fix.js';
import {
  DEFAULT_DELETE_AFTER_DAYS,
  DEFAULT_OVERLAP_DAYS,
  DEFAULT_WEBHOOK_ENV,
  PROVIDER_IDS,
} from './schema.js';
import { PLAYBOOK_LIMITS } from '../model/index.js';

/**
 * The JSON Schema file shipped with this installation of nhi (schema/ beside dist/ or src/):
 * found by walking up from this module, so it works bundled and from source.
 */
export function shippedSchemaPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'schema', 'nhi.config.schema.json');
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir)
      throw new Error('schema/nhi.config.schema.json is missing from this installation');
    dir = up;
  }
}

/**
 * How a config file in `configDir` refers to the schema: a relative path when the schema is
 * below that directory (nhi installed in the project, a path that works on every clone),
 * else the absolute path of this installation's copy.
 */
export function schemaReference(configDir: string): string {
  const schema = shippedSchemaPath();
  const rel = relative(configDir, schema);
  return rel.startsWith('..') || isAbsolute(rel) ? schema : `./${rel.split(sep).join('/')}`;
}

function yamlValue(v: unknown): string {
  // JSON is valid YAML and quotes strings such as "*KEY*" that YAML would read as aliases.
  return Array.isArray(v) || typeof v === 'object'
    ? JSON.stringify(v)
    : typeof v === 'string'
      ? JSON.stringify(v)
      : String(v);
}

function wrap(text: string, indent: string, width = 96): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    // A prose line must not start with `word:`, or it would read as a commented-out setting.
    if (line && indent.length + line.length + word.length + 3 > width && !word.endsWith(':')) {
      lines.push(`${indent}# ${line}`);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(`${indent}# ${line}`);
  return lines;
}

function ruleBlock(rule: AnyRule): string[] {
  const defaults = rule.options.parse({}) as Record<string, unknown>;
  const cis = Object.values(rule.cis).join(', ');
  const facts = [
    `severity ${rule.severity}`,
    `OWASP ${rule.owasp}`,
    ...(cis ? [cis] : []),
    rule.fix.playbook
      ? `fix: nhi ${rule.fix.playbook} where it can act (${playbookReach(rule.fix)}), manual steps elsewhere`
      : 'fix: manual steps (nhi report / nhi show)',
  ];
  const out = [...wrap(`${rule.title}. ${rule.description}`, '  ')];
  if (rule.defaultsFrom) out.push(...wrap(`Defaults follow ${rule.defaultsFrom}.`, '  '));
  out.push(...wrap(`(${facts.join(' · ')})`, '  '));
  out.push(`  # ${rule.id}:`, `  #   enabled: true`, `  #   severity: ${rule.severity}`);
  const shape = rule.options.shape as Record<string, z.ZodType>;
  for (const [key, value] of Object.entries(defaults)) {
    const d = shape[key]?.description;
    out.push(`  #   ${key}: ${yamlValue(value)}${d ? `  # ${d}` : ''}`);
  }
  const providerDefaults = Object.entries(rule.providerDefaults);
  if (providerDefaults.length > 0) {
    out.push('  #   providers:  # built-in per-provider defaults');
    for (const [p, v] of providerDefaults) out.push(`  #     ${p}: ${yamlValue(v)}`);
  }
  return out;
}

export function initConfigTemplate(opts: { schemaUrl?: string } = {}): string {
  const lines = [
    `# yaml-language-server: $schema=${opts.schemaUrl ?? shippedSchemaPath()}`,
    '#',
    '# nhi configuration. Every setting is optional: what is commented out shows the default.',
    '# Thresholds can be set per rule, then per provider, per scope and per identity tag; the',
    '# more specific setting wins (rule < providers.<id> < scopes.<id or name> < tags.<key=value>).',
    '# For example `credential-rotation: { tags: { env=prod: { maxAgeDays: 30 } } }` asks for',
    '# 30-day rotation on identities tagged env=prod, and 90 days elsewhere.',
    '',
    '# Connector options, passed to each connector as they are (see its README).',
    'providers:',
    ...PROVIDER_IDS.map((p) => `  # ${p}: {}`),
    '',
    'rules:',
  ];
  RULES.forEach((rule, i) => {
    if (i > 0) lines.push('');
    lines.push(...ruleBlock(rule));
  });
  lines.push(
    '',
    '',
    '# Accepted risks. Each needs a reason and an expiry date; once expired, the findings are',
    '# reported again and the exception is listed as expired.',
    'exceptions:',
    '  # - rule: credential-rotation  # omit to match every rule',
    '  #   id: "AKIA*"  # credential/identity short id or external id; glob allowed',
    '  #   reason: "migrating this pipeline to OIDC federation (TICKET-123)"',
    '  #   expires: 2027-01-31',
    '',
    'playbooks:',
    `  # deleteAfterDays: ${DEFAULT_DELETE_AFTER_DAYS}  # days between disabling a credential and deleting it (0-365)`,
    `  # overlapDays: ${DEFAULT_OVERLAP_DAYS}  # rotation: keep the old credential until the new one is used, at most this long (0-90)`,
    '',
    '# Catalog housekeeping: every scan adds its findings and history. With a retention, each',
    '# scan then removes scans outside every limit given (as nhi prune does); the latest scan',
    '# and what views still need always stay.',
    'catalog:',
    '  # retention:',
    '  #   runs: 30  # keep at least the newest 30 scans',
    '  #   days: 90  # and every scan younger than 90 days',
    '',
    '# Who answers for each identity. Owners also come from tags (owner, team), provider owner',
    '# records (Entra app owners, GitHub/AI key owners) and creators; the map below beats them.',
    '# Read like CODEOWNERS: every pattern of an entry must match, the last matching entry wins.',
    'owners:',
    '  # map:',
    '  #   - match: { provider: aws, path: "/service/data/*" }',
    '  #     team: data',
    '  #   - match: { name: "ci-*", tag: "env=prod" }  # also: scope, kind, id (globs allowed)',
    '  #     owner: alice@example.com',
    '  #     purpose: "deploys the storefront from CI"',
    '  # Tell the owner before revoke/rotate changes an owned credential, then wait noticeDays',
    "  # ('nhi playbook resume --due' continues). The webhook URL (Slack, Teams or any JSON",
    '  # endpoint) is a secret: it is read from this environment variable, never from this file.',
    '  # notify:',
    `  #   webhookEnv: ${DEFAULT_WEBHOOK_ENV}`,
    `  #   noticeDays: ${PLAYBOOK_LIMITS.noticeDays.default}  # 0-90`,
    '  #   # or an issue in the owning repository (GITHUB_TOKEN; github.apiUrl for GHES):',
    '  #   # channel: github-issue',
    '  #   # repo: acme/platform  # when neither the credential nor its map entry names one',
    '',
  );
  return lines.join('\n');
}
