/**
 * A finding's fix as a person reads it: the playbook command (after any steps the rule asks
 * for first), or the rule's manual steps filled in with the finding's names and ids. Kept out
 * of the finding itself so a catalog or report with 100k findings stores a short reference,
 * not the same paragraphs 100k times.
 */
import type { Finding } from '../model/index.js';
import { RULES } from './rules/index.js';
import { fillFix, manualFixOf, type ManualFix } from './fix.js';

export interface FixSteps {
  /** The playbook command, when nhi can act. */
  command: string | null;
  /** What to do (before the command, or instead of it), filled in. */
  steps: string[];
  docs: string[];
}

const byId = new Map(RULES.map((r) => [r.id, r]));

/** The manual steps behind a reference (unfilled templates), for reports that list them once. */
export function manualFix(ruleId: string, ref: string): ManualFix | undefined {
  const rule = byId.get(ruleId);
  return rule ? manualFixOf(rule.fix, ref, ruleId) : undefined;
}

export function fixSteps(f: Finding): FixSteps | null {
  if (!f.fix) return null;
  const values = {
    name: f.identityName,
    identity: f.identityExternalId,
    credential: f.credentialExternalId,
    scope: f.scopeId,
    id: f.subjectId,
  };
  if ('playbook' in f.fix) {
    const before = byId.get(f.ruleId)?.fix.before ?? [];
    return { command: f.fix.command, steps: before.map((s) => fillFix(s, values)), docs: [] };
  }
  const manual = manualFix(f.ruleId, f.fix.manual);
  if (!manual) return null;
  return {
    command: null,
    steps: manual.steps.map((s) => fillFix(s, values)),
    docs: [...manual.docs],
  };
}

/** One finding's fix on one line: the steps, then the command. */
export function fixLine(f: Finding): string {
  const fix = fixSteps(f);
  if (!fix) return '';
  const parts = [...fix.steps, ...(fix.command ? [`${fix.command} (plan, then --apply)`] : [])];
  return parts.join(' → ');
}
