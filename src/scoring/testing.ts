/**
 * Builders and a table runner for rule tests. Records get sensible defaults (a live, recently
 * used AWS access key on a machine user) so each case states only what it is about.
 */
import type {
  Finding,
  StoredCredential,
  StoredGap,
  StoredGrant,
  StoredIdentity,
} from '../model/index.js';
import type { AnyRule } from './types.js';
import type { Policy } from './policy.js';
import { defaultPolicy } from './policy.js';
import { evaluate, type ScoringInput } from './engine.js';
import { DAY_MS } from './time.js';

export const NOW = new Date('2026-11-01T12:00:00.000Z');
const MINUTE_MS = 60_000;

/** ISO time `days` days before NOW, plus `minutes` more in the past (negative = later). */
export function ago(days: number, minutes = 0): string {
  return new Date(NOW.getTime() - days * DAY_MS - minutes * MINUTE_MS).toISOString();
}

/** ISO time `days` days after NOW, plus `minutes` more. */
export function ahead(days: number, minutes = 0): string {
  return new Date(NOW.getTime() + days * DAY_MS + minutes * MINUTE_MS).toISOString();
}

const meta = { firstSeenRun: 1, lastSeenRun: 1, removedRun: null };

export function identity(over: Partial<StoredIdentity> = {}): StoredIdentity {
  return {
    id: 'i-1',
    provider: 'aws',
    scopeId: '111122223333',
    scopeName: 'orbital-management',
    ...meta,
    externalId: 'arn:aws:iam::111122223333:user/ci-deployer',
    name: 'ci-deployer',
    kind: 'user',
    owner: 'platform',
    createdAt: ago(400),
    tags: {},
    attributes: {},
    lastUsedAt: ago(1),
    lastUsedKnown: true,
    ...over,
  };
}

export function credential(
  owner: StoredIdentity,
  over: Partial<StoredCredential> = {},
): StoredCredential {
  return {
    id: 'c-1',
    provider: owner.provider,
    scopeId: owner.scopeId,
    scopeName: owner.scopeName,
    ...meta,
    identityId: owner.id,
    identityExternalId: owner.externalId,
    externalId: 'AKIAEXAMPLE000000001',
    type: 'access-key',
    name: null,
    status: 'active',
    createdAt: ago(10),
    expiresAt: null,
    attributes: {},
    lastUsedAt: ago(1),
    lastUsedKnown: true,
    ...over,
  };
}

export function grant(owner: StoredIdentity, over: Partial<StoredGrant> = {}): StoredGrant {
  return {
    id: 'g-1',
    provider: owner.provider,
    scopeId: owner.scopeId,
    scopeName: owner.scopeName,
    ...meta,
    identityId: owner.id,
    credentialId: null,
    identityExternalId: owner.externalId,
    credentialExternalId: null,
    externalId: `${owner.externalId}|s3`,
    permission: 's3:GetObject',
    resource: '*',
    privilege: 'read',
    source: 'inline',
    grantedAt: ago(400),
    attributes: {},
    lastUsedAt: ago(1),
    lastUsedKnown: true,
    ...over,
  };
}

export function gap(owner: StoredIdentity, signal: string): StoredGap {
  return {
    provider: owner.provider,
    scopeId: owner.scopeId,
    runId: 1,
    signal,
    message: `${signal}: access denied`,
    code: 'AccessDenied',
    fix: 'grant the read permission',
  };
}

export function input(over: Partial<ScoringInput> = {}): ScoringInput {
  return { now: NOW, identities: [], credentials: [], grants: [], gaps: [], ...over };
}

/** Runs one rule through the engine (so policy resolution and fingerprints are real). */
export function runRule(
  rule: AnyRule,
  data: Partial<ScoringInput>,
  policy: Policy = defaultPolicy(),
): Finding[] {
  return evaluate(input(data), policy, [rule]).findings;
}

export interface RuleCase {
  name: string;
  data: () => Partial<ScoringInput>;
  /** 'pass' = no finding at all. */
  expect: 'fail' | 'not-evaluated' | 'pass';
  /** Subject short id the finding must be about (default: any). */
  subject?: string;
  /** Evidence fields that must match (toMatchObject). */
  evidence?: Record<string, unknown>;
  /** The CIS item the finding must carry (null: none). */
  cis?: string | null;
  policy?: Policy;
}

let grantSeq = 0;

/**
 * An AWS grant shaped like the connector's: one (policy, service) with its action patterns,
 * NotAction list and resources in attributes, the label in `permission`.
 */
export function awsGrant(
  owner: StoredIdentity,
  spec: {
    actions?: string[];
    notActions?: string[];
    resources?: string[];
    source?: string;
    conditional?: boolean;
    credentialId?: string;
  },
): StoredGrant {
  grantSeq += 1;
  const actions = spec.actions ?? [];
  const resources = spec.resources ?? ['*'];
  const service =
    actions.length === 0 || actions.includes('*') ? '*' : actions[0]!.split(':')[0]!.toLowerCase();
  const permission = spec.notActions
    ? `NotAction:${spec.notActions.join(',')}`
    : actions.length === 1
      ? actions[0]!
      : `${service}:{${actions.map((a) => a.slice(a.indexOf(':') + 1)).join(',')}}`;
  return grant(owner, {
    id: `g-aws-${grantSeq}`,
    externalId: `${owner.externalId}|${spec.source ?? 'inline:test'}|${service}|${grantSeq}`,
    permission,
    resource: resources.includes('*') ? '*' : resources.join(' '),
    privilege: 'unknown',
    source: spec.source ?? 'inline:test',
    ...(spec.credentialId ? { credentialId: spec.credentialId } : {}),
    attributes: {
      service,
      actions,
      ...(spec.notActions ? { notActions: spec.notActions } : {}),
      resources,
      conditional: spec.conditional ?? false,
    },
  });
}
