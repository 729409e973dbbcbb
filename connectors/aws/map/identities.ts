/**
 * IAM principals as identities: users (with their access keys and console password), the
 * account root (from the credential report), roles (with their trust analysis) and groups.
 */
import {
  isoOrNull,
  ownerCandidatesFromTags,
  ownerCandidatesFromText,
  type Credential,
  type Identity,
} from '../../../src/connector/index.js';
import type { RawAccessKey, RawGroup, RawRole, RawTag, RawUser } from '../schema.js';
import type { ReportRow } from './credential-report.js';
import { accessKeyCredentials, consolePasswordCredential } from './credentials.js';
import { GAAD, latest, required } from './shared.js';
import { parsePolicyDocument } from './policy.js';
import { analyzeTrustPolicy } from './trust.js';

function tagsOf(tags: RawTag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key) out[t.Key] = t.Value ?? '';
  return out;
}

function ownerOf(tags: Record<string, string>): string | null {
  for (const k of ['owner', 'Owner', 'OWNER', 'team', 'Team']) if (tags[k]) return tags[k];
  return null;
}

export interface UserMapping {
  identity: Identity;
  credentials: Credential[];
}

/**
 * Maps an IAM user, its report row (null when the credential report was not readable) and its
 * access keys (from ListAccessKeys; empty when the report shows none). Keys created after the
 * report (`reportGeneratedAt`) get no report slot: their last use is read per key.
 */
export function mapUser(
  user: RawUser,
  row: ReportRow | undefined | null,
  keys: RawAccessKey[],
  reportKnown: boolean,
  reportGeneratedAt: string | null = null,
): UserMapping {
  const name = required(user.UserName, 'user UserName', GAAD);
  const arn = required(user.Arn, `user ${name} Arn`, GAAD);
  const tags = tagsOf(user.Tags);
  const consolePassword = row?.passwordEnabled ?? null;
  const credentials = accessKeyCredentials(name, arn, keys, row, reportKnown, reportGeneratedAt);
  if (consolePassword && row)
    credentials.push(consolePasswordCredential(name, arn, row, reportKnown));

  const humanTraits: string[] = [];
  if (consolePassword) humanTraits.push('console-password');
  if (row?.mfaActive) humanTraits.push('mfa');
  if (row?.passwordLastUsed) humanTraits.push('console-sign-in');
  const keyUses = credentials.map((c) => c.lastUsedAt);
  return {
    identity: {
      externalId: arn,
      name,
      kind: 'user',
      owner: ownerOf(tags),
      createdAt: isoOrNull(user.CreateDate) ?? row?.createdAt ?? null,
      tags,
      lastUsedAt: latest(row?.passwordLastUsed, ...keyUses),
      lastUsedKnown: reportKnown,
      attributes: {
        arn,
        userId: user.UserId ?? null,
        path: user.Path ?? '/',
        ownerCandidates: ownerCandidatesFromTags(tags, 'IAM tag'),
        groups: [...(user.GroupList ?? [])].sort(),
        consolePassword,
        mfaActive: row ? row.mfaActive : null,
        passwordLastUsed: row?.passwordLastUsed ?? null,
        humanTraits,
        permissionsBoundary: user.PermissionsBoundary?.PermissionsBoundaryArn ?? null,
      },
    },
    credentials,
  };
}

/**
 * The user's last use after keys were read one by one (GetAccessKeyLastUsed): without a report it
 * is known once every credential's is; with one, a key newer than the report can only move it on.
 */
export function userLastUse(identity: Identity, credentials: readonly Credential[]): Identity {
  const known = credentials.filter((c) => c.lastUsedKnown);
  const complete = known.length > 0 && known.length === credentials.length;
  return {
    ...identity,
    lastUsedKnown: identity.lastUsedKnown || complete,
    lastUsedAt: latest(identity.lastUsedAt, ...known.map((c) => c.lastUsedAt)),
  };
}

/** The account root, from the credential report's `<root_account>` row. */
export function mapRoot(row: ReportRow, accountId: string): UserMapping {
  const arn = `arn:aws:iam::${accountId}:root`;
  const credentials: Credential[] = row.keys.map((slot) => ({
    // Root keys' ids are not readable by IAM principals; the slot number is stable instead.
    externalId: `${accountId}:root:access-key-${slot.slot}`,
    identityExternalId: arn,
    type: 'access-key',
    name: `root access key ${slot.slot}`,
    status: slot.active ? 'active' : 'inactive',
    createdAt: slot.lastRotated,
    expiresAt: null,
    lastUsedAt: slot.lastUsedAt,
    lastUsedKnown: true,
    attributes: {
      root: true,
      lastUsedService: slot.lastUsedService,
      lastUsedRegion: slot.lastUsedRegion,
      reportSlot: slot.slot,
    },
  }));
  return {
    identity: {
      externalId: arn,
      name: 'root',
      kind: 'root',
      owner: null,
      createdAt: row.createdAt,
      tags: {},
      lastUsedAt: latest(row.passwordLastUsed, ...row.keys.map((k) => k.lastUsedAt)),
      lastUsedKnown: true,
      attributes: {
        arn,
        mfaActive: row.mfaActive,
        passwordLastUsed: row.passwordLastUsed,
        rootAccessKeys: row.keys.length,
      },
    },
    credentials,
  };
}

export function mapRole(role: RawRole, accountId: string): Identity {
  const name = required(role.RoleName, 'role RoleName', GAAD);
  const arn = required(role.Arn, `role ${name} Arn`, GAAD);
  const tags = tagsOf(role.Tags);
  const path = role.Path ?? '/';
  const trust = role.AssumeRolePolicyDocument
    ? analyzeTrustPolicy(
        parsePolicyDocument(role.AssumeRolePolicyDocument, `role ${name} trust policy`),
        accountId,
      )
    : null;
  const lastUsed = isoOrNull(role.RoleLastUsed?.LastUsedDate);
  return {
    externalId: arn,
    name,
    kind: 'role',
    owner: ownerOf(tags),
    createdAt: isoOrNull(role.CreateDate),
    tags,
    lastUsedAt: lastUsed,
    // GAAD always carries RoleLastUsed (empty = not used in the 400-day tracking window).
    lastUsedKnown: true,
    attributes: {
      arn,
      roleId: role.RoleId ?? null,
      path,
      serviceLinked: path.startsWith('/aws-service-role/'),
      description: role.Description ?? null,
      ownerCandidates: [
        ...ownerCandidatesFromTags(tags, 'IAM tag'),
        ...ownerCandidatesFromText(role.Description, 'role description'),
      ],
      maxSessionDuration: role.MaxSessionDuration ?? null,
      lastUsedRegion: role.RoleLastUsed?.Region ?? null,
      trustPolicy: trust,
      trustedPrincipals: trust?.principals ?? [],
      externalAccounts: trust?.externalAccounts ?? [],
      externalAccountsWithoutExternalId: trust?.externalAccountsWithoutExternalId ?? [],
      hasExternalIdCondition: trust?.hasExternalIdCondition ?? false,
      oidcProviders: trust?.oidc.map((o) => o.provider) ?? [],
      oidcWithoutSubCondition: trust?.oidcWithoutSubCondition ?? false,
    },
  };
}

export function mapGroup(group: RawGroup, members: string[]): Identity {
  const name = required(group.GroupName, 'group GroupName', GAAD);
  const arn = required(group.Arn, `group ${name} Arn`, GAAD);
  return {
    externalId: arn,
    name,
    kind: 'group',
    owner: null,
    createdAt: isoOrNull(group.CreateDate),
    tags: {},
    lastUsedAt: null,
    lastUsedKnown: false,
    attributes: {
      arn,
      path: group.Path ?? '/',
      members: [...members].sort(),
      inlinePolicies: (group.GroupPolicyList ?? []).map((p) => p.PolicyName).filter(Boolean),
      attachedPolicies: (group.AttachedManagedPolicies ?? [])
        .map((p) => p.PolicyArn)
        .filter(Boolean),
    },
  };
}
