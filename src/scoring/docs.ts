/** The rules table in README.md, generated from the registry (a test keeps them equal). */
import { RULES } from './rules/index.js';

function fmt(v: unknown): string {
  return Array.isArray(v)
    ? v.length > 4
      ? `${v.length} entries`
      : `[${v.join(', ')}]`
    : String(v);
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
      `| \`${r.id}\` | ${r.title} | ${r.severity} | ${r.owasp} | ${cis} | ${defaults.join('; ') || '—'} | ${r.playbook ?? '—'} |`,
    );
  }
  return lines.join('\n');
}
