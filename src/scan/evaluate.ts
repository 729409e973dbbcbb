/**
 * One evaluation, everywhere. A run's findings and scores are evaluated as of the scan's time
 * (its start) against the policy in force, stored with the policy's fingerprint, and read by
 * every view. A view that finds the policy changed (different rules, options, exceptions, rule
 * set or nhi version) evaluates the run again and stores that, so all views keep agreeing.
 *
 * Evaluation streams: one scope at a time, in batches of identities with their credentials and
 * grants, so memory is bounded by the batch, not the estate. Every rule decides per identity
 * (with its credentials, grants and its scope's coverage gaps), so batches give the findings
 * and scores the whole estate gives at once; a test compares them on the demo and synthetic
 * estates.
 */
import { createHash } from 'node:crypto';
import type {
  CatalogStore,
  EvaluatedBatch,
  EvaluationInfo,
  ScopeBatch,
  ScoreRecord,
} from '../catalog/store.js';
import type {
  Finding,
  OwnerCandidate,
  ProviderId,
  ScanRun,
  StoredIdentity,
} from '../model/index.js';
import { withOwner } from '../owners/annotate.js';
import { Attributor, rank, type Attribution } from '../owners/attribute.js';
import type { OwnershipRule } from '../owners/map.js';
import { evaluate, type Evaluation } from '../scoring/engine.js';
import { exceptionExpiry, type Policy, type PolicyException } from '../scoring/policy.js';
import { RULES } from '../scoring/rules/index.js';
import type { AnyRule } from '../scoring/types.js';
import { VERSION } from '../version.js';

/** Identities per batch: a few MB of records and findings whatever the estate's size. */
export const BATCH_IDENTITIES = 2_000;

/**
 * What an evaluation was computed from: the policy (rules, options, exceptions), the rule set
 * (each rule's metadata and defaults), the ownership map (owners are stored with the
 * evaluation: a map edit re-evaluates) and the nhi version, which versions the rules' code.
 * Equal fingerprints, equal findings and owners for the same run.
 */
export function policyFingerprint(
  policy: Policy,
  rules: readonly AnyRule[] = RULES,
  owners: readonly OwnershipRule[] = [],
): string {
  const ruleSet = [...rules]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((rule) => {
      // The code is left out: its text differs between builds of the same version.
      const { options, evaluate: _code, ...meta } = rule;
      return { ...meta, defaults: options.parse({}) as unknown };
    });
  return createHash('sha256')
    .update(JSON.stringify({ nhi: VERSION, rules: ruleSet, policy, owners }))
    .digest('hex')
    .slice(0, 32);
}

export interface EvaluateOptions {
  policy: Policy;
  /** The config's ownership map (`owners.map`): owners are attributed and stored with it. */
  owners?: readonly OwnershipRule[];
  rules?: readonly AnyRule[];
  batchIdentities?: number;
  /** Called after each scope is stored. */
  onScope?: (done: number, total: number) => void;
  /** Stops between batches (the stored part is resumed by the next evaluation). */
  signal?: AbortSignal;
}

/** Evaluates a run scope by scope and stores it; returns the stored evaluation. */
export async function evaluateRun(
  store: CatalogStore,
  run: ScanRun,
  opts: EvaluateOptions,
): Promise<EvaluationInfo> {
  const { policy } = opts;
  const rules = opts.rules ?? RULES;
  const asOf = new Date(run.startedAt);
  const writer = await store.beginEvaluation({
    runId: run.id,
    policyFingerprint: policyFingerprint(policy, rules, opts.owners),
    asOf: run.startedAt,
    version: VERSION,
    now: new Date(),
  });
  const scopes = await store.presentScopes(run.id);
  // Rules that ask whether nhi scanned an account see the whole estate, not one scope.
  const scanned = new Set(
    scopes.filter((s) => s.identities).map((s) => `${s.provider}/${s.scopeId}`),
  );
  const exceptionIndex = new Map(policy.exceptions.map((e, i) => [e, i]));
  const attributor = () => new Attributor(opts.owners ?? []);
  let done = 0;
  for (const scope of scopes) {
    if (!writer.doneScopes.has(writer.scopeKey(scope))) {
      const gaps = await store.gapsInForce(run.id, scope);
      for await (const batch of store.scopeBatches(
        run.id,
        scope,
        opts.batchIdentities ?? BATCH_IDENTITIES,
      )) {
        opts.signal?.throwIfAborted();
        const evaluation = evaluate({ now: asOf, ...batch, gaps, scopes: scanned }, policy, rules);
        const owners = attributeBatch(batch, attributor());
        await writer.writeBatch(toStored(evaluation, batch, scope, exceptionIndex, owners));
      }
      await writer.finishScope(scope);
    }
    opts.onScope?.((done += 1), scopes.length);
  }
  return writer.complete(
    policy.exceptions.map((exception, index) => {
      const expiry = exceptionExpiry(exception);
      return {
        index,
        exception,
        expiredAt: expiry.getTime() <= asOf.getTime() ? expiry.toISOString() : null,
      };
    }),
  );
}

/**
 * Owner attribution of a batch's subjects by id (identities `i-…`, credentials `c-…`): a
 * batch holds each identity with all its credentials, so this is what attributing the whole
 * run gives (a test compares them).
 */
export function attributeBatch(batch: ScopeBatch, at: Attributor): Map<string, Attribution> {
  const identities = new Map<string, StoredIdentity>();
  for (const i of batch.removedIdentities ?? []) identities.set(i.id, i);
  for (const i of batch.identities) identities.set(i.id, i);
  const out = new Map<string, Attribution>();
  for (const i of batch.identities) out.set(i.id, at.identity(i));
  for (const c of batch.credentials) out.set(c.id, at.credential(c, identities.get(c.identityId)));
  return out;
}

/** An unowned identity's strongest hint: its own candidates, else its live credentials'. */
function bestCandidate(
  identityId: string,
  liveCredentials: readonly string[],
  owners: ReadonlyMap<string, Attribution>,
): OwnerCandidate | null {
  return (
    rank([
      ...(owners.get(identityId)?.candidates ?? []),
      ...liveCredentials.flatMap((id) => owners.get(id)?.candidates ?? []),
    ])[0] ?? null
  );
}

/** What a batch's evaluation stores: findings, suppressed ones, a score for every subject. */
function toStored(
  evaluation: Evaluation,
  batch: ScopeBatch,
  scope: { provider: ProviderId; scopeId: string },
  exceptionIndex: ReadonlyMap<PolicyException, number>,
  owners: ReadonlyMap<string, Attribution>,
): EvaluatedBatch {
  type Subject = Pick<ScoreRecord, 'subjectKind' | 'createdAt' | 'identityId' | 'live'>;
  const subjects = new Map<string, Subject>();
  for (const i of batch.identities)
    subjects.set(i.id, {
      subjectKind: 'identity',
      createdAt: i.createdAt,
      identityId: null,
      live: true,
    });
  for (const c of batch.credentials)
    subjects.set(c.id, {
      subjectKind: 'credential',
      createdAt: c.createdAt,
      identityId: c.identityId,
      live: c.status !== 'inactive',
    });
  const liveOf = new Map<string, string[]>();
  for (const c of batch.credentials) {
    if (c.status === 'inactive') continue;
    const list = liveOf.get(c.identityId);
    if (list) list.push(c.id);
    else liveOf.set(c.identityId, [c.id]);
  }
  const ownerColumns = (subjectId: string, s: Subject | undefined) => {
    const ownership = owners.get(subjectId) ?? null;
    return {
      ownership,
      identityId: s?.identityId ?? null,
      live: s?.live ?? true,
      candidate:
        s?.subjectKind === 'identity' && !ownership?.owned
          ? bestCandidate(subjectId, liveOf.get(subjectId) ?? [], owners)
          : null,
    };
  };
  const reaches = (id: string) =>
    evaluation.ai.credentials.has(id) || evaluation.ai.identities.has(id);
  const scores: ScoreRecord[] = [];
  for (const s of evaluation.scores) {
    const subject = subjects.get(s.subjectId);
    scores.push({
      ...s,
      provider: scope.provider,
      scopeId: scope.scopeId,
      createdAt: subject?.createdAt ?? null,
      ...ownerColumns(s.subjectId, subject),
    });
    subjects.delete(s.subjectId);
  }
  // Every present subject has a score: 0, band low, when nothing was found.
  for (const [subjectId, s] of subjects) {
    scores.push({
      subjectId,
      subjectKind: s.subjectKind,
      score: 0,
      band: 'low',
      contributions: [],
      provider: scope.provider,
      scopeId: scope.scopeId,
      createdAt: s.createdAt,
      ai: reaches(subjectId),
      ...ownerColumns(subjectId, s),
    });
  }
  // Every finding carries its subject's owner, team and purpose into every report format.
  const owned = (f: Finding) => withOwner(f, owners.get(f.subjectId));
  return {
    findings: evaluation.findings.map(owned),
    suppressed: evaluation.suppressed.map((s) => ({
      finding: owned(s.finding),
      exceptionIndex: exceptionIndex.get(s.exception)!,
    })),
    scores,
    expiredMatches: evaluation.expiredExceptions.flatMap((x) =>
      x.findings.map((f) => ({
        exceptionIndex: exceptionIndex.get(x.exception)!,
        fingerprint: f.fingerprint,
      })),
    ),
  };
}

/**
 * The run's evaluation under `policy`: the stored one when it was computed from the same
 * fingerprint, else a new one (evaluated now, scope by scope, and stored for every later view).
 */
export async function currentEvaluation(
  store: CatalogStore,
  run: ScanRun,
  opts: EvaluateOptions & { onStale?: (stored: EvaluationInfo | null) => void },
): Promise<EvaluationInfo> {
  const stored = await store.evaluation(run.id);
  if (
    stored &&
    stored.policyFingerprint === policyFingerprint(opts.policy, opts.rules ?? RULES, opts.owners)
  )
    return stored;
  opts.onStale?.(stored);
  return evaluateRun(store, run, opts);
}
