/**
 * The scoring engine: runs every rule over the catalog's present records, applies the policy
 * (thresholds, switched-off rules, severity overrides, exceptions) and scores each subject.
 * Pure: same input and policy, same output, in a canonical order.
 */
import type {
  Finding,
  StoredCredential,
  StoredGap,
  StoredGrant,
  StoredIdentity,
} from '../model/index.js';
import type { AnyRule, RuleContext, RuleHit } from './types.js';
import type { Policy, PolicyException, ResolvedRuleSettings } from './policy.js';
import { exceptionExpiry, resolveRuleSettings } from './policy.js';
import { fingerprint } from './fingerprint.js';
import { resolveFix } from './fix.js';
import { SEVERITY_POINTS, SEVERITY_RANK, computeScores, type SubjectScore } from './score.js';
import { globMatch } from './glob.js';
import { RULES } from './rules/index.js';
import { cmp } from './compare.js';
import { AI_POINTS_FACTOR, AI_RANKED_RULES, aiReach, type AiReach } from './ai.js';

export interface ScoringInput {
  now: Date;
  identities: StoredIdentity[];
  credentials: StoredCredential[];
  grants: StoredGrant[];
  gaps: StoredGap[];
  /**
   * Every scope of the estate as `provider/scopeId`, when the records are one part of it (the
   * evaluator reads a scope at a time); default: the scopes of `identities`.
   */
  scopes?: ReadonlySet<string>;
}

export interface SuppressedFinding {
  finding: Finding;
  exception: PolicyException;
}

export interface ExpiredException {
  exception: PolicyException;
  /** When it stopped applying (ISO). */
  expiredAt: string;
  /** Findings it would still match: they are reported again. */
  findings: Finding[];
}

export interface Evaluation {
  /** Reported findings ('fail' and 'not-evaluated'), minus suppressed ones, canonical order. */
  findings: Finding[];
  /** Every present subject's score, with whether it reaches an AI service. */
  scores: (SubjectScore & { ai: boolean })[];
  suppressed: SuppressedFinding[];
  expiredExceptions: ExpiredException[];
  /** The present identities and credentials that reach an AI service (see ai.ts). */
  ai: AiReach;
}

export type { SubjectScore } from './score.js';

/** A stand-in identity when a credential's owner is not among the present records. */
function placeholderIdentity(c: StoredCredential): StoredIdentity {
  return {
    id: c.identityId,
    provider: c.provider,
    scopeId: c.scopeId,
    scopeName: c.scopeName,
    firstSeenRun: c.firstSeenRun,
    lastSeenRun: c.lastSeenRun,
    removedRun: null,
    externalId: c.identityExternalId,
    name: c.identityExternalId,
    kind: 'user',
    owner: null,
    createdAt: null,
    tags: {},
    attributes: {},
    lastUsedAt: null,
    lastUsedKnown: false,
  };
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

/** Sorted records and lookups shared by every rule: built once per evaluation, not per rule. */
interface SharedIndex {
  identities: StoredIdentity[];
  credentials: StoredCredential[];
  grants: StoredGrant[];
  byId: Map<string, StoredIdentity>;
  credsByIdentity: Map<string, StoredCredential[]>;
  grantsByIdentity: Map<string, StoredGrant[]>;
  gapsByScope: Map<string, StoredGap[]>;
}

const scopeKey = (provider: string, scopeId: string) => `${provider}\0${scopeId}`;

function buildIndex(input: ScoringInput): SharedIndex {
  const identities = [...input.identities].sort((a, b) => cmp(a.id, b.id));
  const credentials = [...input.credentials].sort((a, b) => cmp(a.id, b.id));
  const grants = [...input.grants].sort((a, b) => cmp(a.id, b.id));
  const gaps = [...input.gaps].sort((a, b) => cmp(a.signal, b.signal) || cmp(a.message, b.message));
  return {
    identities,
    credentials,
    grants,
    byId: new Map(identities.map((i) => [i.id, i])),
    credsByIdentity: groupBy(credentials, (c) => c.identityId),
    grantsByIdentity: groupBy(grants, (g) => g.identityId),
    gapsByScope: groupBy(gaps, (g) => scopeKey(g.provider, g.scopeId)),
  };
}

function buildContext(
  input: ScoringInput,
  index: SharedIndex,
  rule: AnyRule,
  settingsFor: (identity: StoredIdentity) => ResolvedRuleSettings,
): RuleContext<Record<string, unknown>> {
  const signals = new Set(rule.signals.map((s) => s.toLowerCase()));
  const gapsOf = (i: StoredIdentity) =>
    (index.gapsByScope.get(scopeKey(i.provider, i.scopeId)) ?? []).filter((g) =>
      signals.has(g.signal.toLowerCase()),
    );
  const scopes = input.scopes ?? new Set(index.identities.map((i) => `${i.provider}/${i.scopeId}`));
  return {
    now: input.now,
    scanned: (provider, scopeId) => scopes.has(`${provider}/${scopeId}`),
    identities: index.identities,
    credentials: index.credentials,
    grants: index.grants,
    identityOf: (c) => index.byId.get(c.identityId) ?? placeholderIdentity(c),
    credentialsOf: (i) => index.credsByIdentity.get(i.id) ?? [],
    grantsOf: (i) => index.grantsByIdentity.get(i.id) ?? [],
    options: (i) => settingsFor(i).options,
    gap: (i) => gapsOf(i)[0],
    gaps: (i) => gapsOf(i),
  };
}

function toFinding(
  rule: AnyRule,
  hit: RuleHit,
  settings: ResolvedRuleSettings,
  siblings: readonly StoredCredential[],
  reach: AiReach,
): Finding {
  const { identity, credential } = hit;
  // A hit may name a lower severity for a milder case; a severity set in the policy wins.
  const own =
    settings.severity === rule.severity ? (hit.severity ?? rule.severity) : settings.severity;
  const severity = hit.outcome === 'fail' ? own : 'info';
  const ai = credential ? reach.credentials.has(credential.id) : reach.identities.has(identity.id);
  // Unused, admin and long-lived findings on AI-reaching subjects rank higher (README, score model).
  const factor = ai && AI_RANKED_RULES[rule.id] ? AI_POINTS_FACTOR : 1;
  const credentialExternalId = credential?.externalId ?? null;
  const fix = resolveFix(rule.id, rule.fix, identity, credential, siblings);
  return {
    ruleId: rule.id,
    severity,
    outcome: hit.outcome,
    subjectId: credential ? credential.id : identity.id,
    subjectKind: credential ? 'credential' : 'identity',
    provider: identity.provider,
    scopeId: identity.scopeId,
    scopeName: identity.scopeName,
    identityName: identity.name,
    identityExternalId: identity.externalId,
    credentialExternalId,
    message: hit.message,
    evidence: hit.evidence,
    owasp: rule.owasp,
    cis: rule.cis[identity.provider] ?? null,
    playbook: 'playbook' in fix ? fix.playbook : null,
    fix,
    fingerprint: fingerprint({
      ruleId: rule.id,
      provider: identity.provider,
      scopeId: identity.scopeId,
      identityExternalId: identity.externalId,
      credentialExternalId,
    }),
    points: hit.outcome === 'fail' ? SEVERITY_POINTS[severity] * factor : 0,
    ...(ai ? { ai: true } : {}),
  };
}

/** Canonical order: worst first, then by where it is, then by rule. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    (a.outcome === b.outcome ? 0 : a.outcome === 'fail' ? -1 : 1) ||
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    cmp(a.provider, b.provider) ||
    cmp(a.scopeId, b.scopeId) ||
    cmp(a.identityExternalId, b.identityExternalId) ||
    cmp(a.credentialExternalId ?? '', b.credentialExternalId ?? '') ||
    cmp(a.ruleId, b.ruleId) ||
    cmp(a.fingerprint, b.fingerprint)
  );
}

interface SubjectIds {
  ids: string[];
  provider: string;
  scopeId: string;
  scopeName: string;
}

function exceptionMatches(e: PolicyException, f: Finding, subject: SubjectIds): boolean {
  if (e.rule !== undefined && e.rule !== f.ruleId) return false;
  if (e.provider !== undefined && e.provider !== subject.provider) return false;
  if (
    e.scope !== undefined &&
    !globMatch(e.scope, subject.scopeId) &&
    !globMatch(e.scope, subject.scopeName)
  ) {
    return false;
  }
  if (e.id !== undefined && !subject.ids.some((v) => globMatch(e.id!, v))) return false;
  return true;
}

export function evaluate(
  input: ScoringInput,
  policy: Policy,
  rules: readonly AnyRule[] = RULES,
): Evaluation {
  const raw: Finding[] = [];
  const subjects = new Map<string, SubjectIds>();
  const seen = new Set<string>();
  const index = buildIndex(input);
  const reach = aiReach(index.identities, index.credentials, index.grants);

  for (const rule of [...rules].sort((a, b) => cmp(a.id, b.id))) {
    // Settings depend only on provider, scope and (when the rule has tag overrides) tags, so
    // identities sharing those share one resolved object (read-only for rules).
    const cache = new Map<string, ResolvedRuleSettings>();
    const byTags = Object.keys(policy.rules[rule.id]?.tags ?? {}).length > 0;
    // Rules ask once per record they look at: remember the answer per identity object too.
    const byIdentity = new WeakMap<StoredIdentity, ResolvedRuleSettings>();
    const settingsFor = (identity: StoredIdentity) => {
      let s = byIdentity.get(identity);
      if (s) return s;
      const key = `${identity.provider}\0${identity.scopeId}\0${identity.scopeName}${
        byTags ? `\0${JSON.stringify(identity.tags ?? {})}` : ''
      }`;
      s = cache.get(key);
      if (!s) {
        s = resolveRuleSettings(rule, policy, identity);
        cache.set(key, s);
      }
      byIdentity.set(identity, s);
      return s;
    };
    const ctx = buildContext(input, index, rule, settingsFor);
    for (const hit of rule.evaluate(ctx)) {
      const settings = settingsFor(hit.identity);
      if (!settings.enabled) continue;
      const finding = toFinding(
        rule,
        hit,
        settings,
        index.credsByIdentity.get(hit.identity.id) ?? [],
        reach,
      );
      // One verdict per rule and subject; the first (canonical input order) wins.
      if (seen.has(finding.fingerprint)) continue;
      seen.add(finding.fingerprint);
      raw.push(finding);
      const identity = hit.identity;
      const cred = hit.credential;
      subjects.set(finding.fingerprint, {
        ids: cred
          ? [cred.id, cred.externalId, identity.id, identity.externalId, identity.name]
          : [identity.id, identity.externalId, identity.name],
        provider: identity.provider,
        scopeId: identity.scopeId,
        scopeName: identity.scopeName,
      });
    }
  }
  raw.sort(compareFindings);

  const now = input.now.getTime();
  const live = policy.exceptions.filter((e) => exceptionExpiry(e).getTime() > now);
  const expired = policy.exceptions.filter((e) => exceptionExpiry(e).getTime() <= now);

  const findings: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const f of raw) {
    const subject = subjects.get(f.fingerprint)!;
    const exception = live.find((e) => exceptionMatches(e, f, subject));
    if (exception) suppressed.push({ finding: f, exception });
    else findings.push(f);
  }
  const expiredExceptions: ExpiredException[] = expired.map((exception) => ({
    exception,
    expiredAt: exceptionExpiry(exception).toISOString(),
    findings: findings.filter((f) => exceptionMatches(exception, f, subjects.get(f.fingerprint)!)),
  }));

  return {
    findings,
    // Every present subject gets a score (0 when clean), not only those with findings.
    scores: computeScores(findings, {
      credentials: new Map(index.credentials.map((c) => [c.id, c.identityId])),
      identities: index.identities.map((i) => i.id),
    }).map((s) => ({
      ...s,
      ai: reach.credentials.has(s.subjectId) || reach.identities.has(s.subjectId),
    })),
    suppressed,
    expiredExceptions,
    ai: reach,
  };
}
