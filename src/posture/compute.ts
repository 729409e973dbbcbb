/**
 * Posture of a run (and of the runs before it, for the trend): the catalog counts per scope by
 * query (`postureRows`), this module adds them up per provider and overall. Shares add up as
 * numerators and denominators, never as averages of shares; p90 ages come from the backend per
 * level, since percentiles do not add up.
 */
import {
  AGE_BUCKETS,
  type CatalogStore,
  type EvaluationInfo,
  type PostureQuery,
  type PostureRows,
} from '../catalog/store.js';
import type { ScanRun, StoredGap } from '../model/index.js';
import { RULES } from '../scoring/rules/index.js';
import { credentialRotation } from '../scoring/rules/credential-rotation.js';
import type { PostureFigures, PostureGroup, PosturePoint, PostureReport, Ratio } from './types.js';

/**
 * Credential types the rotation KPI counts: static secrets a person or a playbook can replace,
 * as the rotation rule checks them by default.
 */
export const ROTATABLE_TYPES: readonly string[] = credentialRotation.options.parse({}).types;

/** Rules whose failing findings mean an identity holds admin or privilege-escalation grants. */
export const PRIVILEGE_RULES: readonly string[] = [
  'admin-grant',
  'permissions-management',
  'privilege-escalation',
];

/** Rule ids of this build (a privilege rule not shipped yet cannot have been switched off). */
const KNOWN_RULES = new Set(RULES.map((r) => r.id));

/** Rules behind the hygiene counts. */
const HYGIENE = {
  unusedCredentials: 'credential-unused',
  neverUsedCredentials: 'credential-never-used',
  dormantIdentities: 'identity-dormant',
  keysInCi: 'cloud-key-in-ci',
} as const;

export function ratio(numerator: number, denominator: number): Ratio {
  return { numerator, denominator, share: denominator > 0 ? numerator / denominator : null };
}

/** Raw sums of one group; turned into figures once every scope is in. */
interface Sums {
  identities: number;
  withOwner: number;
  withGrants: number;
  credentials: number;
  byType: Map<string, number>;
  byStatus: Map<string, number>;
  withExpiry: number;
  aged: number;
  ageSum: number;
  rotatable: number;
  rotationFail: number;
  rotationNotEvaluated: number;
  privileged: number;
  withUnusedGrants: number;
  unusedGrants: number;
  hygiene: Record<keyof typeof HYGIENE, number>;
  findings: PostureFigures['findings'];
  notEvaluated: number;
  suppressed: number;
  notEvaluatedSubjects: number;
  scopes: number;
  scopesNotEvaluated: number;
  gaps: number;
  added: number;
  removed: number;
  resolved: number;
  resolvedDays: number;
}

function emptySums(): Sums {
  return {
    identities: 0,
    withOwner: 0,
    withGrants: 0,
    credentials: 0,
    byType: new Map(),
    byStatus: new Map(),
    withExpiry: 0,
    aged: 0,
    ageSum: 0,
    rotatable: 0,
    rotationFail: 0,
    rotationNotEvaluated: 0,
    privileged: 0,
    withUnusedGrants: 0,
    unusedGrants: 0,
    hygiene: { unusedCredentials: 0, neverUsedCredentials: 0, dormantIdentities: 0, keysInCi: 0 },
    findings: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
    notEvaluated: 0,
    suppressed: 0,
    notEvaluatedSubjects: 0,
    scopes: 0,
    scopesNotEvaluated: 0,
    gaps: 0,
    added: 0,
    removed: 0,
    resolved: 0,
    resolvedDays: 0,
  };
}

const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
const sorted = (m: Map<string, number>) =>
  Object.fromEntries([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Rules the policy switched off: the figures read from them are not evaluated. */
export type DisabledRules = ReadonlySet<string>;

function figures(s: Sums, p90: number | null, off: DisabledRules): PostureFigures {
  const judged = off.has('credential-rotation') ? 0 : s.rotatable - s.rotationNotEvaluated;
  const by = (rule: string, n: number) => (off.has(rule) ? null : n);
  const privilegeOff = PRIVILEGE_RULES.every((r) => off.has(r) || !KNOWN_RULES.has(r));
  return {
    identities: s.identities,
    credentials: s.credentials,
    credentialsByType: sorted(s.byType),
    credentialsByStatus: sorted(s.byStatus),
    scopes: s.scopes,
    scopesNotEvaluated: s.scopesNotEvaluated,
    gaps: s.gaps,
    subjectsNotEvaluated: ratio(s.notEvaluatedSubjects, s.identities + s.credentials),
    credentialsAdded: s.added,
    credentialsRemoved: s.removed,
    rotationCompliant: ratio(judged && judged - s.rotationFail, judged),
    rotationNotEvaluated: s.rotationNotEvaluated,
    withExpiry: ratio(s.withExpiry, s.credentials),
    meanAgeDays: s.aged > 0 ? round1(s.ageSum / s.aged) : null,
    p90AgeDays: p90 === null ? null : round1(p90),
    adminOrEscalation: privilegeOff ? ratio(0, 0) : ratio(s.privileged, s.identities),
    withUnusedGrants: off.has('unused-grant')
      ? ratio(0, 0)
      : ratio(s.withUnusedGrants, s.withGrants),
    unusedGrants: by('unused-grant', s.unusedGrants),
    unusedCredentials: by(HYGIENE.unusedCredentials, s.hygiene.unusedCredentials),
    neverUsedCredentials: by(HYGIENE.neverUsedCredentials, s.hygiene.neverUsedCredentials),
    dormantIdentities: by(HYGIENE.dormantIdentities, s.hygiene.dormantIdentities),
    keysInCi: by(HYGIENE.keysInCi, s.hygiene.keysInCi),
    withOwner: ratio(s.withOwner, s.identities),
    findings: s.findings,
    notEvaluated: s.notEvaluated,
    suppressed: s.suppressed,
    resolved: s.resolved,
    meanDaysToResolve: s.resolved > 0 ? round1(s.resolvedDays / s.resolved) : null,
  };
}

const round1 = (x: number) => Math.round(x * 10) / 10;

const SEVERITY_KEYS = new Set(['critical', 'high', 'medium', 'low', 'info']);

/** Adds per-scope rows up to scope, provider and overall groups. */
export function rollUp(
  rows: PostureRows,
  gaps: readonly StoredGap[],
  off: DisabledRules = new Set(),
): FiguresGroup[] {
  const scopeSums = new Map<string, Sums>();
  const names = new Map<string, string>();
  const key = (provider: string, scopeId: string) => JSON.stringify([provider, scopeId]);
  const at = (r: { provider: string; scopeId: string }) => {
    const k = key(r.provider, r.scopeId);
    let s = scopeSums.get(k);
    if (!s) scopeSums.set(k, (s = emptySums()));
    return s;
  };
  for (const r of rows.credentials) {
    const s = at(r);
    s.credentials += r.count;
    add(s.byType, r.type, r.count);
    add(s.byStatus, r.status, r.count);
    s.withExpiry += r.withExpiry;
    s.aged += r.aged;
    s.ageSum += r.ageSum;
    s.rotatable += r.rotatable;
    s.rotationFail += r.rotationFail;
    s.rotationNotEvaluated += r.rotationNotEvaluated;
  }
  for (const r of rows.identities) {
    const s = at(r);
    s.identities += r.count;
    s.withOwner += r.withOwner;
    s.withGrants += r.withGrants;
  }
  for (const r of rows.findings) {
    const s = at(r);
    if (r.outcome === 'not-evaluated') {
      if (!r.suppressed) s.notEvaluated += r.count;
    } else if (r.suppressed) s.suppressed += r.count;
    else if (SEVERITY_KEYS.has(r.severity))
      s.findings[r.severity as keyof PostureFigures['findings']] += r.count;
    if (r.outcome !== 'fail') continue;
    // Facts about the estate: an exception accepts a finding, it does not change the fact.
    if (r.ruleId === 'unused-grant') {
      s.withUnusedGrants += r.identities;
      s.unusedGrants += r.unusedGrants;
    }
    for (const [k, rule] of Object.entries(HYGIENE) as [keyof typeof HYGIENE, string][])
      if (r.ruleId === rule) s.hygiene[k] += r.count;
  }
  for (const r of rows.privileged) at(r).privileged += r.identities;
  for (const r of rows.notEvaluatedSubjects) at(r).notEvaluatedSubjects += r.subjects;
  for (const r of rows.scopes) {
    const s = at(r);
    names.set(key(r.provider, r.scopeId), r.scopeName);
    s.scopes += 1;
    if (!r.ok) s.scopesNotEvaluated += 1;
  }
  for (const g of gaps) at(g).gaps += 1;
  for (const r of rows.changes) {
    const s = at(r);
    s.added += r.added;
    s.removed += r.removed;
  }
  for (const r of rows.resolved) {
    const s = at(r);
    s.resolved += r.count;
    s.resolvedDays += r.days;
  }

  const p90 = new Map(
    rows.p90.map((r) => [JSON.stringify([r.level, r.provider, r.scopeId]), r.days]),
  );
  const p90Of = (level: string, provider: string | null, scopeId: string | null) =>
    p90.get(JSON.stringify([level, provider, scopeId])) ?? null;

  const total = emptySums();
  const byProvider = new Map<string, Sums>();
  const scopeKeys = [...scopeSums.keys()].sort();
  for (const k of scopeKeys) {
    const [provider] = JSON.parse(k) as [string, string];
    let p = byProvider.get(provider);
    if (!p) byProvider.set(provider, (p = emptySums()));
    merge(p, scopeSums.get(k)!);
    merge(total, scopeSums.get(k)!);
  }
  const groups: FiguresGroup[] = [
    {
      level: 'overall',
      provider: null,
      scopeId: null,
      scopeName: null,
      figures: figures(total, p90Of('overall', null, null), off),
    },
  ];
  for (const provider of [...byProvider.keys()].sort())
    groups.push({
      level: 'provider',
      provider,
      scopeId: null,
      scopeName: null,
      figures: figures(byProvider.get(provider)!, p90Of('provider', provider, null), off),
    });
  for (const k of scopeKeys) {
    const [provider, scopeId] = JSON.parse(k) as [string, string];
    groups.push({
      level: 'scope',
      provider,
      scopeId,
      scopeName: names.get(k) ?? scopeId,
      figures: figures(scopeSums.get(k)!, p90Of('scope', provider, scopeId), off),
    });
  }
  return groups;
}

type FiguresGroup = Omit<PostureGroup, 'ai'>;
const groupKey = (g: FiguresGroup) => JSON.stringify([g.level, g.provider, g.scopeId]);

/**
 * Every group with its AI-reaching subset beside it. A group the AI rows do not reach (no
 * scope row, no subject) gets the empty figures: zero subjects, shares with nothing to divide.
 */
export function withAi(
  all: FiguresGroup[],
  ai: FiguresGroup[],
  off: DisabledRules,
): PostureGroup[] {
  const byKey = new Map(ai.map((g) => [groupKey(g), g.figures]));
  const none = figures(emptySums(), null, off);
  return all.map((g) => ({ ...g, ai: byKey.get(groupKey(g)) ?? none }));
}

function merge(into: Sums, s: Sums): void {
  for (const k of Object.keys(s) as (keyof Sums)[]) {
    const v = s[k];
    if (typeof v === 'number') (into[k] as number) += v;
  }
  for (const [t, n] of s.byType) add(into.byType, t, n);
  for (const [t, n] of s.byStatus) add(into.byStatus, t, n);
  for (const k of Object.keys(s.hygiene) as (keyof Sums['hygiene'])[])
    into.hygiene[k] += s.hygiene[k];
  for (const k of Object.keys(s.findings) as (keyof Sums['findings'])[])
    into.findings[k] += s.findings[k];
}

/** A run with its evaluation (under the policy in force). */
export interface EvaluatedRun {
  run: ScanRun;
  evaluation: EvaluationInfo;
}

/**
 * The posture of each run (oldest first), each compared with the run before it. `before` is the
 * run preceding the first (for what was added, removed or resolved at the first point); null
 * when the first run is the catalog's first.
 */
export async function postureReport(
  store: CatalogStore,
  runs: readonly EvaluatedRun[],
  before: EvaluatedRun | null,
  off: DisabledRules = new Set(),
): Promise<PostureReport> {
  const points: PosturePoint[] = [];
  let previous = before;
  let lastRows: PostureRows | null = null;
  for (const r of runs) {
    const query: PostureQuery = {
      runId: r.run.id,
      evaluationId: r.evaluation.id,
      asOf: r.evaluation.asOf,
      // No run before: everything present was first seen in this one.
      previousRunId: previous?.run.id ?? 0,
      previousEvaluationId: previous?.evaluation.id ?? null,
      rotatableTypes: ROTATABLE_TYPES,
      privilegeRules: PRIVILEGE_RULES,
    };
    const rows = await store.postureRows(query);
    const aiRows = await store.postureRows({ ...query, ai: true });
    const gaps = await store.gapsInForce(r.run.id);
    points.push({
      runId: r.run.id,
      at: r.run.startedAt,
      evaluationId: r.evaluation.id,
      groups: withAi(rollUp(rows, gaps, off), rollUp(aiRows, gaps, off), off),
    });
    lastRows = rows;
    previous = r;
  }
  const labels = [...AGE_BUCKETS.map((b) => b.label), 'unknown'];
  return {
    points,
    ageBuckets: labels,
    ageDistribution: (lastRows?.ageDistribution ?? [])
      .map((a) => ({
        provider: a.provider,
        bucket: a.bucket < 0 ? 'unknown' : AGE_BUCKETS[a.bucket]!.label,
        count: a.count,
      }))
      .sort(
        (a, b) =>
          (a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : 0) ||
          labels.indexOf(a.bucket) - labels.indexOf(b.bucket),
      ),
  };
}
