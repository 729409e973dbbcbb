/** The rules table and fixes in README.md, generated from the registry (a test keeps them equal). */
import { RULES } from './rules/index.js';
import { fixText } from './fix.js';
import type { RuleMeta } from './types.js';

function fmt(v: unknown): string {
  return Array.isArray(v)
    ? v.length > 4
      ? `${v.length} entries`
      : `[${v.join(', ')}]`
    : String(v);
}

/** The rule's help with the source of its defaults and its fix: for SARIF, `nhi init` and docs. */
export function ruleHelpText(rule: RuleMeta): string {
  return [
    rule.help,
    ...(rule.defaultsFrom ? [`Defaults: ${rule.defaultsFrom}.`] : []),
    fixText(rule.fix),
  ].join('\n\n');
}

function fixCell(rule: RuleMeta): string {
  return rule.fix.playbook ? `\`nhi ${rule.fix.playbook}\`, else manual steps` : 'manual steps';
}

export function rulesMarkdownTable(): string {
  const lines = [
    '| Rule | What it flags | Severity | OWASP NHI | CIS | Defaults | Fix |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of RULES) {
    const defaults = Object.entries(r.options.parse({}) as Record<string, unknown>).map(
      ([k, v]) => `${k}: ${fmt(v)}`,
    );
    for (const [p, o] of Object.entries(r.providerDefaults)) {
      defaults.push(
        `${p}: ${Object.entries(o as object)
          .map(([k, v]) => `${k} ${fmt(v)}`)
          .join(', ')}`,
      );
    }
    const cis = Object.values(r.cis).join('; ') || '—';
    lines.push(
      `| \`${r.id}\` | ${r.title} | ${r.severity} | ${r.owasp} | ${cis} | ${defaults.join('; ') || '—'} | ${fixCell(r)} |`,
    );
  }
  return lines.join('\n');
}

/** Per rule: where its defaults come from and how each finding is fixed. */
export function rulesFixesMarkdown(): string {
  const out: string[] = [];
  for (const r of RULES) {
    out.push(`### \`${r.id}\``, '');
    if (r.defaultsFrom) out.push(`Defaults: ${r.defaultsFrom}.`, '');
    out.push('```text', fixText(r.fix), '```', '');
  }
  return out.join('\n').trimEnd();
}
