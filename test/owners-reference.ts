/**
 * The reference `nhi owners` computation of nhi 0.x before owners were stored with the
 * evaluation: pure over the whole run, attributed per view. Tests compare the stored, SQL-grouped
 * answer with it on the demo and a synthetic estate.
 */
import type {
  Finding,
  OwnerCandidate,
  StoredCredential,
  StoredIdentity,
} from '../src/model/index.js';
import { rank, type Attribution } from '../src/owners/attribute.js';

export interface OwnerTodo {
  ruleId: string;
  count: number;
  /** The playbook that fixes it (`revoke`, `rotate`…), when there is one. */
  playbook: string | null;
}

export interface OwnerGroup {
  owner: string | null;
  team: string | null;
  /** The owner has left: somebody must take these over. */
  departed: boolean;
  identities: string[];
  credentials: string[];
  /** Highest credential or identity score (0-100) and its band. */
  worstScore: number;
  band: string | null;
  findings: Record<'critical' | 'high' | 'medium' | 'low', number>;
  /** Failing findings by rule, most points first: what needs doing. */
  todo: OwnerTodo[];
}

export interface Unowned {
  identityId: string;
  name: string;
  kind: string;
  provider: string;
  scopeId: string;
  scopeName: string;
  liveCredentials: number;
  worstScore: number;
  /** The strongest hint nhi has (creator, CODEOWNERS, audit event…), or null. */
  candidate: (OwnerCandidate & { why: string }) | null;
}

export interface OwnersSummary {
  owners: OwnerGroup[];
  unowned: Unowned[];
}

export interface SummaryInput {
  identities: readonly StoredIdentity[];
  credentials: readonly StoredCredential[];
  findings: readonly Finding[];
  scores: readonly { subjectId: string; score: number; band: string }[];
  owners: ReadonlyMap<string, Attribution>;
}

const live = (c: StoredCredential) => c.removedRun === null && c.status !== 'inactive';

function emptyGroup(owner: string | null, team: string | null, departed: boolean): OwnerGroup {
  return {
    owner,
    team,
    departed,
    identities: [],
    credentials: [],
    worstScore: 0,
    band: null,
    findings: { critical: 0, high: 0, medium: 0, low: 0 },
    todo: [],
  };
}

export function summarizeOwners(input: SummaryInput): OwnersSummary {
  const scores = new Map(input.scores.map((s) => [s.subjectId, s]));
  const groups = new Map<string, OwnerGroup>();
  const groupOf = (a: Attribution): OwnerGroup | null => {
    if (!a.owned) return null;
    const key = JSON.stringify([a.owner, a.team, a.departed === true]);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = emptyGroup(a.owner, a.team, a.departed === true)));
    return g;
  };
  const subjectGroup = new Map<string, OwnerGroup>();
  const liveByIdentity = new Map<string, number>();
  for (const c of input.credentials) {
    if (!live(c)) continue;
    liveByIdentity.set(c.identityId, (liveByIdentity.get(c.identityId) ?? 0) + 1);
    const a = input.owners.get(c.id);
    const g = a && groupOf(a);
    if (!g) continue;
    g.credentials.push(c.id);
    subjectGroup.set(c.id, g);
  }
  const unowned: Unowned[] = [];
  for (const i of input.identities) {
    if (i.removedRun !== null) continue;
    const a = input.owners.get(i.id);
    const g = a && groupOf(a);
    if (g) {
      g.identities.push(i.id);
      subjectGroup.set(i.id, g);
      continue;
    }
    const n = liveByIdentity.get(i.id) ?? 0;
    // Only machine identities holding something live need an owner.
    if (n === 0) continue;
    // The identity's own hints, else its credentials' (a deploy key's added_by, a key's creator).
    const best = rank([
      ...(a?.candidates ?? []),
      ...input.credentials
        .filter((c) => c.identityId === i.id && live(c))
        .flatMap((c) => input.owners.get(c.id)?.candidates ?? []),
    ])[0];
    unowned.push({
      identityId: i.id,
      name: i.name,
      kind: i.kind,
      provider: i.provider,
      scopeId: i.scopeId,
      scopeName: i.scopeName,
      liveCredentials: n,
      worstScore: Math.max(
        scores.get(i.id)?.score ?? 0,
        ...input.credentials
          .filter((c) => c.identityId === i.id)
          .map((c) => scores.get(c.id)?.score ?? 0),
      ),
      candidate: best ? { ...best, why: `${best.via} (${best.confidence})` } : null,
    });
  }
  const todo = new Map<OwnerGroup, Map<string, OwnerTodo & { points: number }>>();
  for (const f of input.findings) {
    const g = subjectGroup.get(f.subjectId);
    if (!g || f.outcome !== 'fail') continue;
    if (f.severity !== 'info') g.findings[f.severity] += 1;
    const byRule = todo.get(g) ?? new Map();
    todo.set(g, byRule);
    const t = byRule.get(f.ruleId) ?? {
      ruleId: f.ruleId,
      count: 0,
      playbook: f.playbook,
      points: 0,
    };
    t.count += 1;
    t.points += f.points;
    byRule.set(f.ruleId, t);
  }
  for (const [id, g] of subjectGroup) {
    const s = scores.get(id);
    if (s && s.score >= g.worstScore) {
      g.worstScore = s.score;
      g.band = s.band;
    }
  }
  for (const [g, byRule] of todo) {
    g.todo = [...byRule.values()]
      .sort((a, b) => b.points - a.points || a.ruleId.localeCompare(b.ruleId))
      .map(({ ruleId, count, playbook }) => ({ ruleId, count, playbook }));
  }
  const bySeverity = (a: OwnerGroup, b: OwnerGroup) => {
    for (const k of ['critical', 'high', 'medium', 'low'] as const) {
      if (a.findings[k] !== b.findings[k]) return b.findings[k] - a.findings[k];
    }
    return 0;
  };
  return {
    owners: [...groups.values()].sort(
      (a, b) =>
        Number(b.departed) - Number(a.departed) ||
        b.worstScore - a.worstScore ||
        bySeverity(a, b) ||
        (a.team ?? a.owner ?? '').localeCompare(b.team ?? b.owner ?? ''),
    ),
    unowned: unowned.sort((a, b) => b.worstScore - a.worstScore || a.name.localeCompare(b.name)),
  };
}
