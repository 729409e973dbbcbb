/**
 * The finding filters `report` and `check` share (`--provider`, `--scope`, `--rule`, `--owasp`,
 * `--cis`): parsed and validated once, so one team's accounts can be reported on or gated alone.
 */
import { UserError } from '../connector/kit/errors.js';
import { parseProviders } from '../connector/registry.js';
import type { CatalogStore } from '../catalog/index.js';
import { notOneOf, parseChoices } from './choices.js';
import type { FindingFilter } from './findings-input.js';

export interface FindingFlags {
  provider?: string;
  scope?: string;
  rule?: string;
  owasp?: string;
  cis?: string;
}

/** Validates the flags (before the catalog is read where possible) and builds the filter. */
export async function findingFilterOf(
  f: FindingFlags,
): Promise<Pick<FindingFilter, 'providers' | 'rules'> & { scopes?: string[] }> {
  const providers = f.provider ? parseProviders(f.provider) : undefined;
  let rules: string[] | undefined;
  if (f.rule || f.owasp || f.cis) {
    const { RULES, RULE_IDS } = await import('../scoring/rules/index.js');
    const { cisItem } = await import('./rules-catalog.js');
    let kept = f.rule ? parseChoices('--rule', f.rule, RULE_IDS, 'rule id') : [...RULE_IDS];
    if (f.owasp) {
      const ids = [...new Set(RULES.map((r) => r.owasp as string))].sort(owaspOrder);
      const wanted = parseChoices('--owasp', f.owasp, ids, 'OWASP NHI risk with a rule');
      kept = kept.filter((id) => wanted.includes(RULES.find((r) => r.id === id)!.owasp));
    }
    if (f.cis) {
      const items = [...new Set(RULES.flatMap((r) => Object.values(r.cis).map(cisItem)))].sort();
      const wanted = parseChoices('--cis', f.cis, items, 'CIS item with a rule');
      kept = kept.filter((id) =>
        Object.values(RULES.find((r) => r.id === id)!.cis).some((c) => wanted.includes(cisItem(c))),
      );
    }
    if (kept.length === 0)
      throw new UserError('no rule matches --rule, --owasp and --cis together (see nhi rules)');
    rules = kept;
  }
  const scopes = f.scope
    ? f.scope
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
  return {
    ...(providers ? { providers } : {}),
    ...(rules ? { rules } : {}),
    ...(scopes ? { scopes } : {}),
  };
}

/** `--scope`: each an id or name the catalog has seen (else "no findings" would read as clean). */
export async function checkScopes(store: CatalogStore, wanted: readonly string[]): Promise<void> {
  const scopes = await store.scopes();
  for (const scope of wanted) {
    if (scopes.some((s) => s.id === scope || s.name === scope)) continue;
    const words = [...scopes.map((s) => s.id), ...scopes.map((s) => s.name)];
    const listing = `the catalog's scopes: ${scopes.map((s) => `${s.id} (${s.provider}, ${s.name})`).join(', ')}`;
    throw new UserError(notOneOf('--scope', scope, words, 'scope', listing));
  }
}

const owaspOrder = (a: string, b: string) => Number(a.slice(3)) - Number(b.slice(3));
