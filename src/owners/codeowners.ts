/**
 * A repository's CODEOWNERS as owner candidates for its secrets and deploy keys. Patterns have
 * gitignore semantics (matched with the `ignore` package); as in GitHub, the last matching line
 * wins. Actions secrets are read by workflows, so their owners are those of
 * `.github/workflows/`; a deploy key opens the whole repository, so its owners are the
 * repository-wide ones.
 */
import ignore from 'ignore';
import type { OwnerCandidate } from '../model/index.js';

export interface CodeownersRule {
  pattern: string;
  owners: string[];
  line: number;
}

/** The places GitHub reads CODEOWNERS from, in the order it looks. */
export const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const;

export function parseCodeowners(text: string): CodeownersRule[] {
  const rules: CodeownersRule[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const l = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!l) return;
    // A pattern may escape spaces (`docs\ old/`); owners are whitespace-separated.
    const m = /^((?:\\ |\S)+)\s*(.*)$/.exec(l);
    if (!m) return;
    rules.push({ pattern: m[1]!, owners: m[2]!.split(/\s+/).filter(Boolean), line: i + 1 });
  });
  return rules;
}

/** The last rule matching `path` (a rule without owners un-owns it, as on GitHub). */
export function ruleFor(rules: readonly CodeownersRule[], path: string): CodeownersRule | null {
  for (let i = rules.length - 1; i >= 0; i -= 1) {
    const r = rules[i]!;
    try {
      if (ignore().add(r.pattern).ignores(path)) return r.owners.length ? r : null;
    } catch {
      // A pattern gitignore cannot read matches nothing (GitHub shows it as an error).
    }
  }
  return null;
}

/** What a credential guards, as a path CODEOWNERS can answer for. */
export const GUARDED_PATH = {
  secret: '.github/workflows/any.yml',
  'deploy-key': '.nhi-repository-root',
} as const;

export function codeownersCandidates(
  text: string,
  guards: keyof typeof GUARDED_PATH,
  file: string = CODEOWNERS_PATHS[0],
): OwnerCandidate[] {
  const rule = ruleFor(parseCodeowners(text), GUARDED_PATH[guards]);
  if (!rule) return [];
  const via = `${file} line ${rule.line} (${rule.pattern})`;
  return rule.owners.map((o) => {
    const name = o.replace(/^@/, '');
    const team = o.startsWith('@') && name.includes('/');
    return {
      owner: team ? null : name,
      team: team ? name : null,
      source: 'codeowners',
      via,
      confidence: 'medium',
      departed: null,
    };
  });
}
