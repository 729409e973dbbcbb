/**
 * Plans a trim (pure): the identity's grant documents as the provider holds them, the usage
 * evidence, and the safety rules in; the narrowest change out — per document, the new exact
 * text — with a before → after diff of effective permissions and the evidence for each removal.
 *
 * Safety rules (Repokid's, plus nhi's "not evaluated is never clean"): never a service-linked
 * role or a principal the policy file excludes; the identity must be at least `minAgeDays` old
 * (younger ones have not had the chance to use what they were given); usage evidence must
 * exist (at least one service reported) and be recent; a document changed within the window is
 * left whole (what it newly grants may simply not have been used yet); a service the evidence
 * says nothing about is kept; a customer-managed policy attached to other principals is not
 * rewritten (it would narrow them too).
 */
import { createHash } from 'node:crypto';
import type {
  GrantDocument,
  Scope,
  PermissionDiffLine,
  Plan,
  PlanStep,
  StoredIdentity,
  TrimActions,
  TrimChange,
  TrimUsage,
} from '../../connector/index.js';

const DAY_MS = 86_400_000;

export interface TrimSettings {
  /** A service unused for this many days is removed (Repokid: 90). */
  windowDays: number;
  /** Identities younger than this are not trimmed (Repokid: 90). */
  minAgeDays: number;
  /** The usage evidence must be at most this old (the scan that read Access Advisor). */
  maxEvidenceAgeDays: number;
}

export const TRIM_DEFAULTS: TrimSettings = {
  windowDays: 90,
  minAgeDays: 90,
  maxEvidenceAgeDays: 7,
};

export const TRIM_LIMITS = {
  windowDays: { min: 1, max: 400 }, // Access Advisor tracks 400 days
  minAgeDays: { min: 0, max: 3650 },
} as const;

/** Last use per usage key (Access Advisor: service namespace), as a scan observed it. */
export type UsageEvidence = TrimUsage & {
  /**
   * The last use of any service, when the evidence has it only as a whole (AWS: a grant of `*`,
   * Access Advisor's latest across every service); null: no service was ever used. Absent:
   * unknown.
   */
  lastAnyUse?: string | null;
};

export interface TrimInput {
  identity: StoredIdentity;
  scope: Scope;
  documents: GrantDocument[];
  usage: UsageEvidence;
  settings: TrimSettings;
  now: Date;
  /** A reason the identity may not be trimmed (service-linked, excluded by policy), or null. */
  untouchable: string | null;
  actions: Pick<TrimActions, 'permissionsOf' | 'narrow'>;
  demo: boolean;
}

export type TrimPlanResult = { plan: Plan } | { refused: string };

const days = (ms: number) => Math.floor(ms / DAY_MS);

export function digest(text: string | null): string {
  return text === null ? 'absent' : createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** Why the identity may not be trimmed at all, or null. */
function refusal(input: TrimInput): string | null {
  const { identity, usage, settings, now } = input;
  if (input.untouchable) return input.untouchable;
  if (!identity.createdAt && !usage.ageCovered)
    return 'its creation date is unknown (minimum age cannot be checked)';
  const age = identity.createdAt
    ? days(now.getTime() - new Date(identity.createdAt).getTime())
    : null;
  if (age !== null && age < settings.minAgeDays)
    return `it is ${age} days old, younger than the minimum age of ${settings.minAgeDays} days`;
  if (!usage.known) return `no usage data (${usage.source}): unused privilege is not evaluated`;
  // Only a grant of everything, and nothing used within the window: every service is unused.
  const idle =
    usage.lastAnyUse !== undefined &&
    (usage.lastAnyUse === null ||
      new Date(usage.lastAnyUse).getTime() < now.getTime() - settings.windowDays * DAY_MS);
  if (usage.services.size === 0 && !idle) return `no usage data reported (${usage.source})`;
  if (usage.observedAt) {
    const old = days(now.getTime() - new Date(usage.observedAt).getTime());
    if (old > settings.maxEvidenceAgeDays)
      return `the usage data is ${old} days old (more than ${settings.maxEvidenceAgeDays}): scan again first`;
  }
  return null;
}

function lastUseWords(at: string | null, now: Date): string {
  return at === null
    ? 'never used'
    : `last used ${days(now.getTime() - new Date(at).getTime())} days ago`;
}

export function planTrim(input: TrimInput): TrimPlanResult {
  const why = refusal(input);
  if (why) return { refused: `${input.identity.name} is not trimmed: ${why}` };
  const { identity, usage, settings, now, actions } = input;
  const cutoff = now.getTime() - settings.windowDays * DAY_MS;
  const isUnused = (service: string) => {
    if (!usage.services.has(service)) return false; // no evidence about it: kept
    const at = usage.services.get(service) ?? null;
    return at === null || new Date(at).getTime() < cutoff;
  };
  const used = [...usage.services.entries()]
    .filter(([, at]) => at !== null && new Date(at).getTime() >= cutoff)
    .map(([s]) => s)
    .sort();

  const changes: TrimChange[] = [];
  const diff: PermissionDiffLine[] = [];
  const notes: string[] = [];
  for (const doc of input.documents) {
    const perms = actions.permissionsOf(doc);
    const line = (
      p: { permission: string; service: string },
      change: PermissionDiffLine['change'],
      evidence: string,
    ): PermissionDiffLine => ({
      source: doc.name,
      permission: p.permission,
      service: p.service,
      change,
      lastUsedAt: usage.services.get(p.service) ?? null,
      evidence,
    });
    const keepAll = (evidence: string) =>
      perms.forEach((p) => diff.push(line(p, 'kept', evidence)));
    if (doc.changedAt && new Date(doc.changedAt).getTime() > cutoff) {
      keepAll(
        `changed ${days(now.getTime() - new Date(doc.changedAt).getTime())} days ago: younger than the ${settings.windowDays}-day window`,
      );
      continue;
    }
    if (doc.kind === 'policy-version' && Number(doc.facts.attachments ?? 1) > 1) {
      keepAll(
        `attached to ${String(doc.facts.attachments)} principals: narrowing it would narrow them too`,
      );
      notes.push(
        `${doc.name} is shared by ${String(doc.facts.attachments)} principals and was left as it is`,
      );
      continue;
    }
    const unused = new Set(perms.map((p) => p.service).filter((s) => s !== '*' && isUnused(s)));
    // A grant of everything is narrowed to the services used in the window.
    if (perms.some((p) => p.service === '*' && !p.permission.startsWith('NotAction:')))
      unused.add('*');
    const narrowed = unused.size ? actions.narrow(doc, unused, used) : null;
    if (!narrowed || narrowed.removed.length === 0 || narrowed.after === doc.document) {
      if (unused.size && !narrowed && doc.kind === 'attachment')
        notes.push(
          `${doc.name} is provider-managed and only partly unused, and its used part cannot be copied into a policy of your own (too large): it was kept`,
        );
      keepAll(
        unused.size
          ? 'in use, or cannot be narrowed without removing used permissions'
          : 'used within the window',
      );
      continue;
    }
    const removedSet = new Set(narrowed.removed.map((r) => r.permission));
    for (const p of perms) {
      if (removedSet.has(p.permission)) {
        const at = usage.services.get(p.service) ?? null;
        diff.push(
          line(
            p,
            'removed',
            p.service === '*'
              ? `grants every service; used in the window: ${used.join(', ') || 'none'} (${usage.source})`
              : `${lastUseWords(at, now)} (${usage.source}); window ${settings.windowDays} days`,
          ),
        );
      } else diff.push(line(p, 'kept', lastUseWords(usage.services.get(p.service) ?? null, now)));
    }
    for (const a of narrowed.added ?? []) diff.push(line(a, 'added', a.evidence));
    if (unused.has('*') && narrowed.after !== null)
      for (const s of used)
        diff.push(
          line(
            { permission: `${s}:*`, service: s },
            'added',
            `replaces '*': ${lastUseWords(usage.services.get(s) ?? null, now)}`,
          ),
        );
    changes.push({
      address: doc.address,
      kind: doc.kind,
      name: doc.name,
      before: doc.document,
      beforeVersion: doc.version,
      after: narrowed.after,
      facts: doc.facts,
    });
  }

  const steps: PlanStep[] = changes.map((c, i) => stepFor(c, i + 1));
  if (changes.length === 0)
    notes.push(
      'nothing to remove: every granted service was used within the window or has no evidence',
    );
  const plan: Plan = {
    ...trimPlanHead(identity, input.scope, now),
    snapshot: {
      status: 'active',
      // Every document the identity had when planned (address@version#digest): drift refuses.
      siblings: input.documents.map((d) => ({
        externalId: `${d.address}@${d.version ?? ''}#${digest(d.document)}`,
        status: 'active',
      })),
    },
    lastUse: { known: usage.known, at: identity.lastUsedAt, service: null, region: null },
    demo: input.demo,
    notes,
    steps,
    trim: {
      identityId: identity.id,
      identityKind: identity.kind,
      windowDays: settings.windowDays,
      usageSource: usage.source,
      changes,
      diff,
    },
  };
  return { plan };
}

/**
 * What every trim plan says about its subject: the identity itself stands where a credential
 * playbook names its credential (trim acts on the identity's grants), with no sink.
 */
export function trimPlanHead(
  identity: StoredIdentity,
  scope: Scope,
  now: Date,
): Pick<
  Plan,
  | 'version'
  | 'kind'
  | 'createdAt'
  | 'provider'
  | 'credentialId'
  | 'credentialType'
  | 'identityName'
  | 'ref'
  | 'sink'
> {
  return {
    version: 2,
    kind: 'trim',
    createdAt: now.toISOString(),
    provider: identity.provider,
    credentialId: identity.id,
    credentialType: null,
    identityName: identity.name,
    ref: {
      scope,
      identityExternalId: identity.externalId,
      identityName: identity.name,
      credentialExternalId: identity.externalId,
      type: null,
      attributes: identity.attributes,
    },
    sink: null,
  };
}

function stepFor(c: TrimChange, seq: number): PlanStep {
  const versions = Array.isArray(c.facts.versions) ? c.facts.versions.length : 0;
  const base = {
    seq,
    action: 'grant-change' as const,
    targetExternalId: c.address,
    reversible: true,
    destructive: true,
    delayDays: 0,
    undo: `restore the exact previous document from the journal`,
  };
  switch (c.kind) {
    case 'inline-policy':
      return {
        ...base,
        summary:
          c.after === null
            ? `delete inline policy ${c.name} (nothing in it is used)`
            : `rewrite inline policy ${c.name} without its unused services`,
        changes:
          c.after === null
            ? `inline policy ${c.name} removed`
            : `inline policy ${c.name} replaced by the narrowed document`,
        undo: `put inline policy ${c.name} back, byte for byte, from the journal`,
      };
    case 'attachment':
      return c.after === null
        ? {
            ...base,
            summary: `detach ${c.name} (none of it is used)`,
            changes: `${c.name} detached`,
            undo: `attach ${c.name} again`,
          }
        : {
            ...base,
            summary: `replace ${c.name} by a policy of your own holding only its used part`,
            changes: `a customer-managed copy of the used part is created and attached, then ${c.name} is detached (in that order: used access never lapses)`,
            undo: `attach ${c.name} again, then detach and delete the copy this run created`,
          };
    case 'policy-version': {
      const full = versions >= 5;
      return {
        ...base,
        summary: `new default version of ${c.name} without its unused services (version ${c.beforeVersion} kept)`,
        changes: `a new version of ${c.name} becomes default${full ? '; IAM keeps 5 versions, so the oldest non-default version is deleted first' : ''}`,
        undo: `make ${c.beforeVersion} the default again and delete the version this run made${full ? ' (the pruned oldest version cannot come back)' : ''}`,
        reversible: !full,
      };
    }
    case 'binding':
      return {
        ...base,
        summary: `change the identity's roles in the ${c.name} to the planned ones (read-modify-write with the etag)`,
        changes: `the identity is removed from the roles marked - and added to those marked +; other members are untouched`,
        undo: `put the identity back into exactly its previous roles (etag-checked); other members' later changes are kept`,
      };
    case 'assignment':
      return {
        ...base,
        summary: `remove the assignment ${c.name}`,
        changes: `the assignment ${c.name} is deleted`,
        undo: `recreate exactly this assignment (it gets a new id, which the journal records)`,
      };
    default:
      return { ...base, summary: `change ${c.name}`, changes: `${c.name} narrowed` };
  }
}
