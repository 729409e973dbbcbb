import type { Command } from 'commander';
import { RULES } from '../../scoring/rules/index.js';
import type { AnyRule } from '../../scoring/types.js';
import { findingFilterOf, type FindingFlags } from '../finding-flags.js';
import { formatOf, globalsOf } from '../globals.js';
import { colorEnabled, out, table } from '../output.js';
import { jsonText } from '../../report/json.js';
import { cisItem } from '../rules-catalog.js';

/** A rule as `nhi rules --json` prints it: metadata, default thresholds, the data it needs. */
function describe(rule: AnyRule) {
  return {
    id: rule.id,
    title: rule.title,
    severity: rule.severity,
    owasp: rule.owasp,
    cis: rule.cis,
    playbook: rule.playbook,
    defaults: rule.options.parse({}) as Record<string, unknown>,
    providerDefaults: rule.providerDefaults,
    defaultsFrom: rule.defaultsFrom,
    signals: rule.signals,
    description: rule.description,
    help: rule.help,
  };
}

/** `nhi rules` (like `prowler --list-checks`): every rule, or those --rule/--owasp/--cis name. */
export async function run(cmd: Command): Promise<number> {
  const g = globalsOf(cmd);
  const format = formatOf(g, ['table', 'json']);
  const { rules: ids } = await findingFilterOf(cmd.opts<FindingFlags>());
  const rules = RULES.filter((r) => !ids || ids.includes(r.id)).map(describe);
  if (format === 'json') {
    out(jsonText(rules, 2));
    return 0;
  }
  out(
    table(
      ['rule', 'severity', 'owasp', 'cis', 'playbook', 'defaults', 'needs'],
      rules.map((r) => [
        r.id,
        r.severity,
        r.owasp,
        Object.entries(r.cis)
          .map(([p, c]) => `${p} ${cisItem(c)}`)
          .join(', ') || '-',
        r.playbook ?? 'manual',
        Object.entries(r.defaults)
          .filter(([, v]) => typeof v !== 'object')
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(' ') || '-',
        r.signals.join(', ') || 'inventory only',
      ]),
      colorEnabled(g),
      { dropFirst: ['needs', 'defaults', 'playbook'] },
    ),
  );
  return 0;
}
