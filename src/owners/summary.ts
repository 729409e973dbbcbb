/**
 * `nhi owners`: per owner and team, what they answer for, how risky it is and what needs doing;
 * and the identities nobody owns, with the best candidate and why. Answered from the stored
 * evaluation by the catalog's grouping queries (owners are stored with each subject's score),
 * so its cost is the number of owners, not the size of the estate.
 */
import type { CatalogStore, OwnerGroupRow, UnownedRow } from '../catalog/index.js';
import type { OwnerCandidate } from '../model/index.js';
import { findRule } from '../scoring/rules/index.js';

export interface OwnerTodo {
  ruleId: string;
  count: number;
  /** The playbook that fixes it (`revoke`, `rotate`…), when there is one. */
  playbook: string | null;
}

export interface OwnerGroup extends Omit<OwnerGroupRow, 'todo'> {
  /** Failing findings by rule, most points first: what needs doing. */
  todo: OwnerTodo[];
  /** The first thing to do: the rule with the most points and how to fix it. */
  topFix: (OwnerTodo & { fix: string }) | null;
}

export interface Unowned extends Omit<UnownedRow, 'candidate'> {
  /** The strongest hint nhi has (creator, CODEOWNERS, audit event…), or null. */
  candidate: (OwnerCandidate & { why: string }) | null;
}

const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;

/** Departed owners first (somebody must take over), then the riskiest. */
function compareGroups(a: OwnerGroup, b: OwnerGroup): number {
  if (a.departed !== b.departed) return Number(b.departed) - Number(a.departed);
  if (a.worstScore !== b.worstScore) return b.worstScore - a.worstScore;
  for (const k of SEVERITIES)
    if (a.findings[k] !== b.findings[k]) return b.findings[k] - a.findings[k];
  return (
    (a.team ?? a.owner ?? '').localeCompare(b.team ?? b.owner ?? '') ||
    (a.owner ?? '').localeCompare(b.owner ?? '')
  );
}

function topFix(todo: readonly OwnerTodo[]): OwnerGroup['topFix'] {
  const t = todo[0];
  if (!t) return null;
  const fix = t.playbook
    ? `nhi ${t.playbook} <credential> (plans; --apply changes)`
    : (findRule(t.ruleId)?.help ?? `see nhi rules ${t.ruleId}`);
  return { ...t, fix };
}

/** Owner groups of an evaluation (only the one asked for with `owner`/`team`), worst first. */
export async function ownerGroups(
  store: CatalogStore,
  evaluationId: number,
  filter: { owner?: string; team?: string } = {},
): Promise<OwnerGroup[]> {
  const rows = await store.ownerGroups(evaluationId, filter);
  return rows
    .map((r): OwnerGroup => {
      const todo = r.todo.map(({ ruleId, count, playbook }) => ({ ruleId, count, playbook }));
      return { ...r, todo, topFix: topFix(todo) };
    })
    .sort(compareGroups);
}

/** Unowned identities, worst first, each with its best candidate and why. */
export async function* unownedIdentities(
  store: CatalogStore,
  evaluationId: number,
): AsyncGenerator<Unowned[]> {
  for await (const page of store.unownedIdentities(evaluationId))
    yield page.map((u) => ({
      ...u,
      candidate: u.candidate
        ? { ...u.candidate, why: `${u.candidate.via} (${u.candidate.confidence})` }
        : null,
    }));
}
