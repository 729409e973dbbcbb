/**
 * A local stand-in for AWS IAM + STS (awsQuery: form POST, XML replies), Organizations and
 * Secrets Manager (awsJson1_1, X-Amz-Target). It follows the public API references closely
 * enough that the real SDK v3 clients run against it unchanged: SigV4 credential scope selects
 * the account, Marker/NextToken pagination honours MaxItems/MaxResults, errors use the
 * documented codes and HTTP statuses. Faults and latency are injectable for tests and bench.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import type { AddressInfo } from 'node:net';
import {
  AWS_MANAGED_POLICIES,
  type AwsEstate,
  type EstateAccount,
  type EstateAccessKey,
  type EstateInlinePolicy,
  type EstatePolicyDocument,
  type EstateServiceUsage,
} from './estate.js';

/* ------------------------------------------------------------------ faults */

export type FaultKind =
  | 'Throttling'
  | 'AccessDenied'
  | 'ServiceUnavailable'
  | 'InternalFailure'
  | 'ReportInProgress'
  | 'ReportNotPresent'
  | 'ReportExpired'
  | 'delay';

export interface Fault {
  /** Action / operation name (ListUsers, AssumeRole, ListAccounts…), or '*' for every call. */
  action: string;
  kind: FaultKind;
  /** How many matching requests it hits; default: every one. */
  times?: number;
  delayMs?: number;
  /** Only requests routed to this account id. */
  account?: string;
}

export class FaultList {
  private items: (Fault & { left: number })[] = [];
  add(fault: Fault): void {
    this.items.push({ ...fault, left: fault.times ?? Infinity });
  }
  clear(): void {
    this.items = [];
  }
  /** Consumes and returns the faults that hit this request. */
  take(action: string, account: string | null): Fault[] {
    const hit: Fault[] = [];
    for (const f of this.items) {
      if (f.left <= 0) continue;
      if (f.action !== '*' && f.action !== action) continue;
      if (f.account && f.account !== account) continue;
      f.left -= 1;
      hit.push(f);
      if (f.kind !== 'delay') break; // one error per request; delays accumulate before it
    }
    return hit;
  }
}

export interface RequestCounter {
  total: number;
  byAction: Record<string, number>;
  reset(): void;
}

/* ------------------------------------------------------------------ errors */

class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const QUERY_STATUS: Record<string, number> = {
  AccessDenied: 403,
  Throttling: 400,
  ServiceUnavailable: 503,
  InternalFailure: 500,
  ReportInProgress: 404,
  ReportNotPresent: 410,
  ReportExpired: 410,
};

function faultError(kind: FaultKind, json: boolean): AwsError {
  const status = QUERY_STATUS[kind] ?? 400;
  if (!json) return new AwsError(kind, `injected ${kind}`, status);
  const code =
    kind === 'AccessDenied'
      ? 'AccessDeniedException'
      : kind === 'Throttling'
        ? 'TooManyRequestsException'
        : kind === 'ServiceUnavailable'
          ? 'ServiceException'
          : 'InternalServiceError';
  return new AwsError(code, `injected ${kind}`, status);
}

/* ------------------------------------------------------------------ XML */

function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

type XmlValue =
  string | number | boolean | null | undefined | XmlValue[] | { [k: string]: XmlValue };

/** Query-protocol XML: arrays become <member> lists, nulls are omitted. */
function xml(value: XmlValue): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => `<member>${xml(v)}</member>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `<${k}>${xml(v)}</${k}>`)
      .join('');
  }
  return esc(String(value));
}

const NS = {
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
};

/* ------------------------------------------------------------------ per-account runtime state */

interface Job {
  arn: string;
  createdAt: string;
  pendingPolls: number;
  services: { namespace: string; lastAuthenticated: string | null }[];
}

interface AccountState {
  data: EstateAccount;
  report: { generatedAt: string; csv: string; pendingPolls: number } | null;
  jobs: Map<string, Job>;
  gaadCache: GaadItem[] | null;
}

type GaadItem = {
  kind: 'User' | 'Group' | 'Role' | 'LocalManagedPolicy' | 'AWSManagedPolicy';
  xml: string;
};

interface Secret {
  arn: string;
  name: string;
  versions: Map<string, { value: string; stages: string[]; createdAt: number }>;
  createdAt: number;
}

/* ------------------------------------------------------------------ helpers */

function encodePolicy(doc: EstatePolicyDocument): string {
  return encodeURIComponent(JSON.stringify(doc));
}

function isoSeconds(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The credential report's date format: `2026-11-01T12:00:00+00:00`. */
function reportDate(iso: string | null | undefined): string {
  return iso ? new Date(iso).toISOString().replace(/\.\d{3}Z$/, '+00:00') : 'N/A';
}

function idFor(prefix: string, seed: string): string {
  let h = 0;
  for (const c of seed) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const base = (
    h.toString(36).toUpperCase() +
    seed.replace(/[^A-Za-z0-9]/g, '').toUpperCase() +
    'X'.repeat(17)
  ).slice(0, 17);
  return `${prefix}${base}`;
}

function page<T>(
  items: T[],
  marker: string | null,
  maxItems: number,
): { items: T[]; next: string | null } {
  const start = marker
    ? Number.parseInt(Buffer.from(marker, 'base64').toString('utf8').replace('m:', ''), 10) || 0
    : 0;
  const end = start + maxItems;
  return {
    items: items.slice(start, end),
    next: end < items.length ? Buffer.from(`m:${end}`).toString('base64') : null,
  };
}

function managedArnName(arn: string): string {
  return arn.split('/').pop()!;
}

function accessKeyFromAuth(req: IncomingMessage): string | null {
  const auth = req.headers.authorization ?? '';
  const m = /Credential=([^/]+)\//.exec(auth);
  return m ? m[1]! : null;
}

function tagsXml(tags: Record<string, string> | undefined): XmlValue {
  return Object.entries(tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
}

function inlineXml(list: EstateInlinePolicy[] | undefined): XmlValue {
  return (list ?? []).map((p) => ({
    PolicyName: p.name,
    PolicyDocument: encodePolicy(p.document),
  }));
}

function attachedXml(list: string[] | undefined): XmlValue {
  return (list ?? []).map((arn) => ({ PolicyName: managedArnName(arn), PolicyArn: arn }));
}

/** Service namespaces a set of policies allows (Access Advisor lists these). */
function allowedNamespaces(
  docs: EstatePolicyDocument[],
  usage: EstateServiceUsage | undefined,
): string[] {
  const out = new Set<string>(Object.keys(usage ?? {}));
  for (const doc of docs) {
    const sts = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    for (const st of sts) {
      if (st.Effect !== 'Allow') continue;
      const actions = ([] as unknown[]).concat(st.Action ?? [], st.NotAction ? ['*'] : []);
      for (const a of actions) {
        if (typeof a !== 'string') continue;
        if (a === '*' || a === '*:*')
          ['s3', 'ec2', 'iam', 'sts', 'lambda', 'dynamodb', 'sqs', 'logs', 'cloudwatch'].forEach(
            (s) => out.add(s),
          );
        else if (a.includes(':')) out.add(a.split(':')[0]!.toLowerCase());
      }
    }
  }
  return [...out].sort();
}

/** IAM action matching: case-insensitive, `*` and `?` wildcards. */
function actionMatches(pattern: string, action: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(action);
}

/** Explicit Deny wins, then any Allow, else implicitDeny (IAM's evaluation, identity policies only). */
function evaluate(
  policies: { id: string; doc: EstatePolicyDocument }[],
  action: string,
): { decision: 'allowed' | 'explicitDeny' | 'implicitDeny'; matched: string[] } {
  const hits = { Allow: [] as string[], Deny: [] as string[] };
  for (const { id, doc } of policies) {
    for (const st of Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) {
      const list = (v: unknown) =>
        ([] as unknown[]).concat(v ?? []).filter((x) => typeof x === 'string') as string[];
      const applies =
        st.Action !== undefined
          ? list(st.Action).some((x) => actionMatches(x, action))
          : st.NotAction !== undefined && !list(st.NotAction).some((x) => actionMatches(x, action));
      if (applies && (st.Effect === 'Allow' || st.Effect === 'Deny')) hits[st.Effect].push(id);
    }
  }
  if (hits.Deny.length) return { decision: 'explicitDeny', matched: hits.Deny };
  if (hits.Allow.length) return { decision: 'allowed', matched: hits.Allow };
  return { decision: 'implicitDeny', matched: [] };
}

function memberIndex(key: string): number {
  return Number(key.split('.').pop());
}

/* ------------------------------------------------------------------ the server */

export interface AwsStandInOptions {
  estate: AwsEstate;
  port?: number;
  /** Added to every response, like network + service time. */
  latencyMs?: number;
  /** GetCredentialReport answers ReportInProgress this many times after each generation. */
  reportPendingPolls?: number;
  /** GetServiceLastAccessedDetails answers IN_PROGRESS this many times per job. */
  advisorPendingPolls?: number;
  /** Clock for generated data (report time, new keys); defaults to the wall clock. */
  now?: () => Date;
}

export interface AwsStandIn {
  url: string;
  faults: FaultList;
  requests: RequestCounter;
  latencyMs: number;
  /** Live estate (mutated by write calls), for assertions. */
  estate: AwsEstate;
  /** The AWSCURRENT value of a Secrets Manager secret, for tests of the sink. */
  readSecret(accountId: string, name: string): string | null;
  close(): Promise<void>;
}

export async function startAwsStandIn(opts: AwsStandInOptions): Promise<AwsStandIn> {
  const estate: AwsEstate = structuredClone(opts.estate);
  const now = opts.now ?? (() => new Date());
  const faults = new FaultList();
  const byAction: Record<string, number> = {};
  const requests: RequestCounter = {
    total: 0,
    byAction,
    reset() {
      this.total = 0;
      for (const k of Object.keys(byAction)) delete byAction[k];
    },
  };
  const accounts = new Map<string, AccountState>();
  for (const a of estate.accounts)
    accounts.set(a.id, { data: a, report: null, jobs: new Map(), gaadCache: null });

  /** access key id -> who signs with it */
  const keys = new Map<string, { accountId: string; arn: string }>();
  for (const c of estate.callers) keys.set(c.accessKeyId, { accountId: c.accountId, arn: c.arn });
  for (const a of estate.accounts)
    for (const u of a.users)
      for (const k of u.accessKeys ?? [])
        keys.set(k.id, {
          accountId: a.id,
          arn: `arn:aws:iam::${a.id}:user${u.path ?? '/'}${u.name}`,
        });

  const secrets = new Map<string, Map<string, Secret>>(); // account -> name -> secret
  const handle: AwsStandIn = {
    url: '',
    faults,
    requests,
    latencyMs: opts.latencyMs ?? 0,
    estate,
    readSecret: (accountId, name) => {
      const versions = secrets.get(accountId)?.get(name)?.versions;
      return (
        [...(versions?.values() ?? [])].find((v) => v.stages.includes('AWSCURRENT'))?.value ?? null
      );
    },
    close: async () => {},
  };

  function inactiveKey(keyId: string): boolean {
    for (const a of estate.accounts)
      for (const u of a.users)
        for (const k of u.accessKeys ?? []) if (k.id === keyId) return k.status === 'Inactive';
    return false;
  }

  function account(id: string): AccountState {
    const a = accounts.get(id);
    if (!a) throw new AwsError('AccessDenied', `account ${id} is not served by this stand-in`, 403);
    return a;
  }

  function userArn(a: EstateAccount, u: { name: string; path?: string }): string {
    return `arn:aws:iam::${a.id}:user${u.path ?? '/'}${u.name}`;
  }
  function roleArn(a: EstateAccount, r: { name: string; path?: string }): string {
    return `arn:aws:iam::${a.id}:role${r.path ?? '/'}${r.name}`;
  }
  function groupArn(a: EstateAccount, g: { name: string; path?: string }): string {
    return `arn:aws:iam::${a.id}:group${g.path ?? '/'}${g.name}`;
  }
  function policyDoc(a: EstateAccount, arn: string): EstatePolicyDocument | null {
    if (arn.startsWith('arn:aws:iam::aws:policy/'))
      return AWS_MANAGED_POLICIES[managedArnName(arn)] ?? null;
    return (
      a.policies.find((p) => `arn:aws:iam::${a.id}:policy${p.path ?? '/'}${p.name}` === arn)
        ?.document ?? null
    );
  }
  function findUser(a: EstateAccount, name: string | null) {
    const u = a.users.find((x) => x.name === name);
    if (!u) throw new AwsError('NoSuchEntity', `The user with name ${name} cannot be found.`, 404);
    return u;
  }
  function findKey(a: EstateAccount, keyId: string) {
    for (const u of a.users) {
      const k = (u.accessKeys ?? []).find((x) => x.id === keyId);
      if (k) return { user: u, key: k };
    }
    throw new AwsError('NoSuchEntity', `The Access Key with id ${keyId} cannot be found`, 404);
  }

  /** Named identity policies of a user (with its groups') or role; null = no such principal. */
  function principalPolicies(
    a: EstateAccount,
    arn: string,
  ): { id: string; doc: EstatePolicyDocument }[] | null {
    const user = a.users.find((u) => userArn(a, u) === arn);
    const role = a.roles.find((r) => roleArn(a, r) === arn);
    const principal = user ?? role;
    if (!principal) return null;
    const of = (x: { inlinePolicies?: EstateInlinePolicy[]; attachedPolicies?: string[] }) => [
      ...(x.inlinePolicies ?? []).map((i) => ({ id: i.name, doc: i.document })),
      ...(x.attachedPolicies ?? []).flatMap((m) => {
        const doc = policyDoc(a, m);
        return doc ? [{ id: managedArnName(m), doc }] : [];
      }),
    ];
    const out = of(principal);
    for (const gName of user?.groups ?? []) {
      const g = a.groups.find((x) => x.name === gName);
      if (g) out.push(...of(g));
    }
    return out;
  }

  function credentialReport(a: EstateAccount): string {
    const header =
      'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
    const keyCells = (k: EstateAccessKey | undefined): string[] =>
      k
        ? [
            String(k.status === 'Active'),
            reportDate(k.createdAt),
            reportDate(k.lastUsedAt),
            k.lastUsedAt ? (k.lastUsedRegion ?? 'us-east-1') : 'N/A',
            k.lastUsedAt ? (k.lastUsedService ?? 'sts') : 'N/A',
          ]
        : ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
    const rootKeys = a.root.accessKeys ?? [];
    const rows = [
      header.split(','),
      [
        '<root_account>',
        `arn:aws:iam::${a.id}:root`,
        reportDate(a.root.createdAt),
        'not_supported',
        a.root.passwordLastUsed ? reportDate(a.root.passwordLastUsed) : 'no_information',
        'not_supported',
        'not_supported',
        String(a.root.mfaActive),
        ...keyCells(rootKeys[0]),
        ...keyCells(rootKeys[1]),
        'false',
        'N/A',
        'false',
        'N/A',
      ],
    ];
    for (const u of a.users) {
      const ks = [...(u.accessKeys ?? [])].sort((x, y) => x.createdAt.localeCompare(y.createdAt));
      rows.push([
        u.name,
        userArn(a, u),
        reportDate(u.createdAt),
        String(!!u.passwordEnabled),
        u.passwordEnabled ? reportDate(u.passwordLastUsed) : 'N/A',
        u.passwordEnabled ? reportDate(u.passwordLastChanged ?? u.createdAt) : 'N/A',
        'N/A',
        String(!!u.mfaActive),
        ...keyCells(ks[0]),
        ...keyCells(ks[1]),
        'false',
        'N/A',
        'false',
        'N/A',
      ]);
    }
    // Quoted where a cell needs it (RFC 4180), as a CSV writer does for a name with a comma.
    return stringify(rows, { record_delimiter: 'unix' });
  }

  function gaadItems(st: AccountState): GaadItem[] {
    if (st.gaadCache) return st.gaadCache;
    const a = st.data;
    const items: GaadItem[] = [];
    const attached = new Set<string>();
    for (const u of a.users) {
      (u.attachedPolicies ?? []).forEach((p) => attached.add(p));
      items.push({
        kind: 'User',
        xml: xml({
          Path: u.path ?? '/',
          UserName: u.name,
          UserId: u.id ?? idFor('AIDA', `${a.id}${u.name}`),
          Arn: userArn(a, u),
          CreateDate: isoSeconds(u.createdAt),
          UserPolicyList: inlineXml(u.inlinePolicies),
          GroupList: u.groups ?? [],
          AttachedManagedPolicies: attachedXml(u.attachedPolicies),
          Tags: tagsXml(u.tags),
        }),
      });
    }
    for (const g of a.groups) {
      (g.attachedPolicies ?? []).forEach((p) => attached.add(p));
      items.push({
        kind: 'Group',
        xml: xml({
          Path: g.path ?? '/',
          GroupName: g.name,
          GroupId: idFor('AGPA', `${a.id}${g.name}`),
          Arn: groupArn(a, g),
          CreateDate: isoSeconds(g.createdAt),
          GroupPolicyList: inlineXml(g.inlinePolicies),
          AttachedManagedPolicies: attachedXml(g.attachedPolicies),
        }),
      });
    }
    for (const r of a.roles) {
      (r.attachedPolicies ?? []).forEach((p) => attached.add(p));
      items.push({
        kind: 'Role',
        xml: xml({
          Path: r.path ?? '/',
          RoleName: r.name,
          RoleId: r.id ?? idFor('AROA', `${a.id}${r.name}`),
          Arn: roleArn(a, r),
          CreateDate: isoSeconds(r.createdAt),
          AssumeRolePolicyDocument: encodePolicy(r.trustPolicy),
          InstanceProfileList: [],
          RolePolicyList: inlineXml(r.inlinePolicies),
          AttachedManagedPolicies: attachedXml(r.attachedPolicies),
          Tags: tagsXml(r.tags),
          RoleLastUsed: r.lastUsedAt
            ? { LastUsedDate: isoSeconds(r.lastUsedAt), Region: r.lastUsedRegion ?? 'us-east-1' }
            : {},
        }),
      });
    }
    for (const p of a.policies) {
      items.push({
        kind: 'LocalManagedPolicy',
        xml: xml({
          PolicyName: p.name,
          PolicyId: idFor('ANPA', `${a.id}${p.name}`),
          Arn: `arn:aws:iam::${a.id}:policy${p.path ?? '/'}${p.name}`,
          Path: p.path ?? '/',
          DefaultVersionId: 'v1',
          AttachmentCount: 1,
          IsAttachable: true,
          CreateDate: isoSeconds(p.createdAt),
          UpdateDate: isoSeconds(p.updatedAt ?? p.createdAt),
          PolicyVersionList: [
            {
              Document: encodePolicy(p.document),
              VersionId: 'v1',
              IsDefaultVersion: true,
              CreateDate: isoSeconds(p.createdAt),
            },
          ],
        }),
      });
    }
    // GAAD lists AWS managed policies that are attached to something in the account.
    for (const arn of [...attached]
      .filter((x) => x.startsWith('arn:aws:iam::aws:policy/'))
      .sort()) {
      const doc = AWS_MANAGED_POLICIES[managedArnName(arn)];
      if (!doc) continue;
      items.push({
        kind: 'AWSManagedPolicy',
        xml: xml({
          PolicyName: managedArnName(arn),
          Arn: arn,
          Path: arn.slice('arn:aws:iam::aws:policy'.length, arn.lastIndexOf('/') + 1),
          DefaultVersionId: 'v1',
          IsAttachable: true,
          CreateDate: '2015-02-06T18:39:46Z',
          UpdateDate: '2015-02-06T18:39:46Z',
          PolicyVersionList: [
            {
              Document: encodePolicy(doc),
              VersionId: 'v1',
              IsDefaultVersion: true,
              CreateDate: '2015-02-06T18:39:46Z',
            },
          ],
        }),
      });
    }
    st.gaadCache = items;
    return items;
  }

  /* -------------------------------------------------- IAM */

  function iam(action: string, p: URLSearchParams, acct: string, caller: string): string {
    const st = account(acct);
    const a = st.data;
    const maxItems = Number(p.get('MaxItems') ?? 100);
    const marker = p.get('Marker');
    const paged = <T>(items: T[], render: (x: T) => XmlValue, listName: string): string => {
      const pg = page(items, marker, maxItems);
      return `<${listName}>${pg.items.map((x) => `<member>${xml(render(x))}</member>`).join('')}</${listName}><IsTruncated>${pg.next !== null}</IsTruncated>${pg.next ? `<Marker>${pg.next}</Marker>` : ''}`;
    };
    switch (action) {
      case 'GetAccountAuthorizationDetails': {
        const filter = [...p.entries()]
          .filter(([k]) => k.startsWith('Filter.member.'))
          .map(([, v]) => v);
        const items = gaadItems(st).filter((i) => filter.length === 0 || filter.includes(i.kind));
        const pg = page(items, marker, maxItems);
        const of = (k: GaadItem['kind'][]) =>
          pg.items
            .filter((i) => k.includes(i.kind))
            .map((i) => `<member>${i.xml}</member>`)
            .join('');
        return `<UserDetailList>${of(['User'])}</UserDetailList><GroupDetailList>${of(['Group'])}</GroupDetailList><RoleDetailList>${of(['Role'])}</RoleDetailList><Policies>${of(['LocalManagedPolicy', 'AWSManagedPolicy'])}</Policies><IsTruncated>${pg.next !== null}</IsTruncated>${pg.next ? `<Marker>${pg.next}</Marker>` : ''}`;
      }
      case 'GenerateCredentialReport': {
        const fresh =
          st.report && now().getTime() - Date.parse(st.report.generatedAt) < 4 * 3600_000;
        if (fresh)
          return xml({
            State: st.report!.pendingPolls > 0 ? 'INPROGRESS' : 'COMPLETE',
            Description: 'Report is available',
          });
        st.report = {
          generatedAt: now().toISOString(),
          csv: credentialReport(a),
          pendingPolls: opts.reportPendingPolls ?? 0,
        };
        return xml({
          State: 'STARTED',
          Description: 'No report exists. Starting a new report generation task',
        });
      }
      case 'GetCredentialReport': {
        if (!st.report)
          throw new AwsError('ReportNotPresent', 'Credential report not present', 410);
        if (now().getTime() - Date.parse(st.report.generatedAt) > 4 * 3600_000)
          throw new AwsError('ReportExpired', 'Credential report expired', 410);
        if (st.report.pendingPolls > 0) {
          st.report.pendingPolls -= 1;
          throw new AwsError('ReportInProgress', 'Credential report generation in progress', 404);
        }
        return xml({
          Content: Buffer.from(st.report.csv).toString('base64'),
          ReportFormat: 'text/csv',
          GeneratedTime: isoSeconds(st.report.generatedAt),
        });
      }
      case 'ListUsers':
        return paged(
          a.users,
          (u) => ({
            Path: u.path ?? '/',
            UserName: u.name,
            UserId: u.id ?? idFor('AIDA', `${a.id}${u.name}`),
            Arn: userArn(a, u),
            CreateDate: isoSeconds(u.createdAt),
            PasswordLastUsed: u.passwordLastUsed ? isoSeconds(u.passwordLastUsed) : null,
          }),
          'Users',
        );
      case 'ListRoles':
        return paged(
          a.roles,
          (r) => ({
            Path: r.path ?? '/',
            RoleName: r.name,
            RoleId: r.id ?? idFor('AROA', `${a.id}${r.name}`),
            Arn: roleArn(a, r),
            CreateDate: isoSeconds(r.createdAt),
            AssumeRolePolicyDocument: encodePolicy(r.trustPolicy),
            MaxSessionDuration: r.maxSessionDuration ?? 3600,
          }),
          'Roles',
        );
      case 'ListGroups':
        return paged(
          a.groups,
          (g) => ({
            Path: g.path ?? '/',
            GroupName: g.name,
            GroupId: idFor('AGPA', `${a.id}${g.name}`),
            Arn: groupArn(a, g),
            CreateDate: isoSeconds(g.createdAt),
          }),
          'Groups',
        );
      case 'ListAccountAliases':
        return `<AccountAliases>${a.alias ? `<member>${esc(a.alias)}</member>` : ''}</AccountAliases><IsTruncated>false</IsTruncated>`;
      case 'ListAccessKeys': {
        const name = p.get('UserName') ?? caller.split('/').pop()!;
        const u = findUser(a, name);
        return paged(
          u.accessKeys ?? [],
          (k) => ({
            UserName: u.name,
            AccessKeyId: k.id,
            Status: k.status,
            CreateDate: isoSeconds(k.createdAt),
          }),
          'AccessKeyMetadata',
        );
      }
      case 'GetAccessKeyLastUsed': {
        const { user, key } = findKey(a, p.get('AccessKeyId') ?? '');
        return xml({
          UserName: user.name,
          AccessKeyLastUsed: key.lastUsedAt
            ? {
                LastUsedDate: isoSeconds(key.lastUsedAt),
                ServiceName: key.lastUsedService ?? 'sts',
                Region: key.lastUsedRegion ?? 'us-east-1',
              }
            : { ServiceName: 'N/A', Region: 'N/A' },
        });
      }
      case 'SimulatePrincipalPolicy': {
        // Identity policies only, every resource ('*'): enough for `nhi doctor`'s playbook probe.
        const arn = p.get('PolicySourceArn') ?? '';
        const names = [...p.entries()]
          .filter(([k]) => k.startsWith('ActionNames.member.'))
          .sort(([x], [y]) => memberIndex(x) - memberIndex(y))
          .map(([, v]) => v);
        if (!names.length)
          throw new AwsError('InvalidInput', 'ActionNames must contain at least one action.', 400);
        const policies = principalPolicies(a, arn);
        if (!policies)
          throw new AwsError('NoSuchEntity', `The entity ${arn} cannot be found.`, 404);
        const results = names.map((action) => {
          const decision = evaluate(policies, action);
          return {
            EvalActionName: action,
            EvalResourceName: '*',
            EvalDecision: decision.decision,
            MatchedStatements: decision.matched.map((id) => ({
              SourcePolicyId: id,
              SourcePolicyType: 'IAM Policy',
            })),
            MissingContextValues: [],
          };
        });
        const pg = page(results, marker, maxItems);
        return xml({
          EvaluationResults: pg.items,
          IsTruncated: pg.next !== null,
          Marker: pg.next,
        });
      }
      case 'CreateAccessKey': {
        const u = findUser(a, p.get('UserName') ?? caller.split('/').pop()!);
        if ((u.accessKeys ?? []).length >= 2)
          throw new AwsError('LimitExceeded', 'Cannot exceed quota for AccessKeysPerUser: 2', 409);
        const key: EstateAccessKey = {
          id: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
          secret: randomBytes(30).toString('base64').slice(0, 40),
          status: 'Active',
          createdAt: now().toISOString(),
          lastUsedAt: null,
        };
        (u.accessKeys ??= []).push(key);
        keys.set(key.id, { accountId: a.id, arn: userArn(a, u) });
        st.gaadCache = null;
        return xml({
          AccessKey: {
            UserName: u.name,
            AccessKeyId: key.id,
            Status: 'Active',
            SecretAccessKey: key.secret!,
            CreateDate: isoSeconds(key.createdAt),
          },
        });
      }
      case 'UpdateAccessKey': {
        const { key } = findKey(a, p.get('AccessKeyId') ?? '');
        const status = p.get('Status');
        if (status !== 'Active' && status !== 'Inactive')
          throw new AwsError('ValidationError', `invalid Status ${status}`, 400);
        key.status = status;
        return '';
      }
      case 'DeleteAccessKey': {
        const { user, key } = findKey(a, p.get('AccessKeyId') ?? '');
        user.accessKeys = (user.accessKeys ?? []).filter((k) => k !== key);
        keys.delete(key.id);
        return '';
      }
      case 'GenerateServiceLastAccessedDetails': {
        const arn = p.get('Arn') ?? '';
        const user = a.users.find((u) => userArn(a, u) === arn);
        const role = a.roles.find((r) => roleArn(a, r) === arn);
        const group = a.groups.find((g) => groupArn(a, g) === arn);
        const principal = user ?? role ?? group;
        if (!principal) throw new AwsError('NoSuchEntity', `entity ${arn} not found`, 404);
        const usage = user?.serviceLastAccessed ?? role?.serviceLastAccessed;
        const docsOf = (x: {
          inlinePolicies?: EstateInlinePolicy[];
          attachedPolicies?: string[];
        }) => [
          ...(x.inlinePolicies ?? []).map((i) => i.document),
          ...(x.attachedPolicies ?? [])
            .map((m) => policyDoc(a, m))
            .filter((d): d is EstatePolicyDocument => !!d),
        ];
        const docs = docsOf(principal);
        for (const gName of user?.groups ?? []) {
          const g = a.groups.find((x) => x.name === gName);
          if (g) docs.push(...docsOf(g));
        }
        const jobId = randomUUID();
        st.jobs.set(jobId, {
          arn,
          createdAt: now().toISOString(),
          pendingPolls: opts.advisorPendingPolls ?? 0,
          services: allowedNamespaces(docs, usage).map((ns) => ({
            namespace: ns,
            lastAuthenticated: usage?.[ns] ?? null,
          })),
        });
        return xml({ JobId: jobId });
      }
      case 'GetServiceLastAccessedDetails': {
        const job = st.jobs.get(p.get('JobId') ?? '');
        if (!job) throw new AwsError('NoSuchEntity', 'job not found', 404);
        if (job.pendingPolls > 0) {
          job.pendingPolls -= 1;
          return xml({
            JobStatus: 'IN_PROGRESS',
            JobType: 'SERVICE_LEVEL',
            JobCreationDate: isoSeconds(job.createdAt),
            ServicesLastAccessed: [],
            IsTruncated: false,
          });
        }
        const pg = page(job.services, marker, maxItems);
        return xml({
          JobStatus: 'COMPLETED',
          JobType: 'SERVICE_LEVEL',
          JobCreationDate: isoSeconds(job.createdAt),
          JobCompletionDate: isoSeconds(job.createdAt),
          ServicesLastAccessed: pg.items.map((s) => ({
            ServiceName: s.namespace.toUpperCase(),
            ServiceNamespace: s.namespace,
            LastAuthenticated: s.lastAuthenticated ? isoSeconds(s.lastAuthenticated) : null,
            LastAuthenticatedEntity: s.lastAuthenticated ? job.arn : null,
            LastAuthenticatedRegion: s.lastAuthenticated ? 'us-east-1' : null,
            TotalAuthenticatedEntities: s.lastAuthenticated ? 1 : 0,
          })),
          IsTruncated: pg.next !== null,
          Marker: pg.next,
        });
      }
      default:
        throw new AwsError(
          'InvalidAction',
          `The action ${action} is not valid for this web service.`,
          400,
        );
    }
  }

  /* -------------------------------------------------- STS */

  function sts(action: string, p: URLSearchParams, acct: string, caller: string): string {
    switch (action) {
      case 'GetCallerIdentity':
        return xml({ UserId: idFor('AIDA', caller), Account: acct, Arn: caller });
      case 'AssumeRole': {
        const arn = p.get('RoleArn') ?? '';
        const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
        const target = m ? accounts.get(m[1]!) : undefined;
        const role = target?.data.roles.find((r) => r.name === m![2]);
        const denied = () =>
          new AwsError(
            'AccessDenied',
            `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${arn}`,
            403,
          );
        if (!target || !role) throw denied();
        const trust = JSON.stringify(role.trustPolicy);
        const wanted = /"sts:ExternalId":"([^"]+)"/.exec(trust)?.[1];
        if (wanted && wanted !== p.get('ExternalId')) throw denied();
        const session = p.get('RoleSessionName') ?? 'session';
        const keyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
        const assumed = `arn:aws:sts::${target.data.id}:assumed-role/${role.name}/${session}`;
        keys.set(keyId, { accountId: target.data.id, arn: assumed });
        const expiration = new Date(Date.now() + Number(p.get('DurationSeconds') ?? 3600) * 1000);
        return xml({
          Credentials: {
            AccessKeyId: keyId,
            SecretAccessKey: randomBytes(30).toString('base64').slice(0, 40),
            SessionToken: randomBytes(48).toString('base64'),
            Expiration: isoSeconds(expiration.toISOString()),
          },
          AssumedRoleUser: { AssumedRoleId: `${idFor('AROA', arn)}:${session}`, Arn: assumed },
        });
      }
      default:
        throw new AwsError(
          'InvalidAction',
          `The action ${action} is not valid for this web service.`,
          400,
        );
    }
  }

  /* -------------------------------------------------- JSON services */

  function organizations(op: string, body: Record<string, unknown>, acct: string): unknown {
    if (!estate.managementAccountId)
      throw new AwsError(
        'AWSOrganizationsNotInUseException',
        'Your account is not a member of an organization.',
        400,
      );
    if (acct !== estate.managementAccountId)
      throw new AwsError(
        'AccessDeniedException',
        'You don’t have permissions to access this resource.',
        400,
      );
    switch (op) {
      case 'DescribeOrganization':
        return {
          Organization: {
            Id: 'o-orbital0001',
            Arn: `arn:aws:organizations::${acct}:organization/o-orbital0001`,
            MasterAccountId: acct,
            FeatureSet: 'ALL',
          },
        };
      case 'ListAccounts': {
        const max = Number(body.MaxResults ?? 20);
        const pg = page(estate.accounts, (body.NextToken as string) ?? null, max);
        return {
          Accounts: pg.items.map((x) => ({
            Id: x.id,
            Arn: `arn:aws:organizations::${estate.managementAccountId}:account/o-orbital0001/${x.id}`,
            Email: x.email ?? `aws+${x.name}@example.com`,
            Name: x.name,
            State: x.state ?? 'ACTIVE',
            Status: x.state === 'SUSPENDED' ? 'SUSPENDED' : 'ACTIVE',
            JoinedMethod: x.id === estate.managementAccountId ? 'INVITED' : 'CREATED',
            JoinedTimestamp: Date.parse(x.joinedAt ?? '2020-01-01T00:00:00Z') / 1000,
          })),
          ...(pg.next ? { NextToken: pg.next } : {}),
        };
      }
      default:
        throw new AwsError('InvalidAction', `unknown operation ${op}`, 400);
    }
  }

  function secretsManager(op: string, body: Record<string, unknown>, acct: string): unknown {
    let mine = secrets.get(acct);
    if (!mine) secrets.set(acct, (mine = new Map()));
    const find = (id: unknown): Secret => {
      const s = [...mine.values()].find((x) => x.name === id || x.arn === id);
      if (!s)
        throw new AwsError(
          'ResourceNotFoundException',
          "Secrets Manager can't find the specified secret.",
          400,
        );
      return s;
    };
    const stamp = now().getTime() / 1000;
    const putVersion = (s: Secret, value: string, token: unknown): string => {
      const versionId = typeof token === 'string' && token ? token : randomUUID();
      for (const v of s.versions.values()) {
        v.stages = v.stages.filter((x) => x !== 'AWSPREVIOUS');
        if (v.stages.includes('AWSCURRENT'))
          v.stages = v.stages.map((x) => (x === 'AWSCURRENT' ? 'AWSPREVIOUS' : x));
      }
      s.versions.set(versionId, { value, stages: ['AWSCURRENT'], createdAt: stamp });
      return versionId;
    };
    switch (op) {
      case 'CreateSecret': {
        const name = String(body.Name ?? '');
        if (!name) throw new AwsError('InvalidParameterException', 'Name is required', 400);
        if (mine.has(name))
          throw new AwsError(
            'ResourceExistsException',
            `The operation failed because the secret ${name} already exists.`,
            400,
          );
        const s: Secret = {
          name,
          arn: `arn:aws:secretsmanager:us-east-1:${acct}:secret:${name}-${randomBytes(3).toString('hex')}`,
          versions: new Map(),
          createdAt: stamp,
        };
        mine.set(name, s);
        const versionId =
          typeof body.SecretString === 'string'
            ? putVersion(s, body.SecretString, body.ClientRequestToken)
            : undefined;
        return { ARN: s.arn, Name: s.name, VersionId: versionId };
      }
      case 'PutSecretValue': {
        const s = find(body.SecretId);
        const versionId = putVersion(s, String(body.SecretString ?? ''), body.ClientRequestToken);
        return { ARN: s.arn, Name: s.name, VersionId: versionId, VersionStages: ['AWSCURRENT'] };
      }
      case 'DescribeSecret': {
        const s = find(body.SecretId);
        return {
          ARN: s.arn,
          Name: s.name,
          CreatedDate: s.createdAt,
          VersionIdsToStages: Object.fromEntries([...s.versions].map(([id, v]) => [id, v.stages])),
        };
      }
      case 'GetSecretValue': {
        const s = find(body.SecretId);
        const entry = [...s.versions].find(([id, v]) =>
          body.VersionId ? id === body.VersionId : v.stages.includes('AWSCURRENT'),
        );
        if (!entry) throw new AwsError('ResourceNotFoundException', 'version not found', 400);
        return {
          ARN: s.arn,
          Name: s.name,
          VersionId: entry[0],
          SecretString: entry[1].value,
          VersionStages: entry[1].stages,
          CreatedDate: entry[1].createdAt,
        };
      }
      default:
        throw new AwsError('InvalidAction', `unknown operation ${op}`, 400);
    }
  }

  /* -------------------------------------------------- dispatch */

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const target = req.headers['x-amz-target'];
    const json = typeof target === 'string';
    let action: string;
    let service: 'iam' | 'sts' | 'organizations' | 'secretsmanager' = 'iam';
    let params = new URLSearchParams();
    let body: Record<string, unknown> = {};
    if (json) {
      const [prefix, op] = target.split('.');
      action = op ?? 'unknown';
      service = prefix?.startsWith('AWSOrganizations') ? 'organizations' : 'secretsmanager';
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        body = {};
      }
    } else {
      params = new URLSearchParams(raw);
      action = params.get('Action') ?? 'unknown';
      service = params.get('Version') === '2011-06-15' ? 'sts' : 'iam';
    }
    requests.total += 1;
    byAction[action] = (byAction[action] ?? 0) + 1;

    const send = (
      status: number,
      text: string,
      type: string,
      extra: Record<string, string> = {},
    ) => {
      res.writeHead(status, { 'content-type': type, 'x-amzn-requestid': randomUUID(), ...extra });
      res.end(text);
    };
    const fail = (e: AwsError) => {
      if (json) {
        send(
          e.status,
          JSON.stringify({ __type: e.code, message: e.message }),
          'application/x-amz-json-1.1',
          { 'x-amzn-errortype': e.code },
        );
      } else {
        const type = e.status >= 500 ? 'Receiver' : 'Sender';
        send(
          e.status,
          `<ErrorResponse xmlns="${NS[service === 'sts' ? 'sts' : 'iam']}"><Error><Type>${type}</Type><Code>${e.code}</Code><Message>${esc(e.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
          'text/xml',
        );
      }
    };

    try {
      const keyId = accessKeyFromAuth(req);
      // As AWS does: an Inactive access key authenticates nothing.
      const who = keyId && !inactiveKey(keyId) ? keys.get(keyId) : undefined;
      const delay = handle.latencyMs;
      const hits = faults.take(action, who?.accountId ?? null);
      const extra = hits
        .filter((f) => f.kind === 'delay')
        .reduce((s, f) => s + (f.delayMs ?? 0), 0);
      if (delay + extra > 0) await new Promise((r) => setTimeout(r, delay + extra));
      const err = hits.find((f) => f.kind !== 'delay');
      if (err) throw faultError(err.kind, json);
      if (!who)
        throw json
          ? new AwsError(
              'UnrecognizedClientException',
              'The security token included in the request is invalid.',
              400,
            )
          : new AwsError(
              'InvalidClientTokenId',
              'The security token included in the request is invalid.',
              403,
            );
      if (json) {
        const out =
          service === 'organizations'
            ? organizations(action, body, who.accountId)
            : secretsManager(action, body, who.accountId);
        send(200, JSON.stringify(out), 'application/x-amz-json-1.1');
        return;
      }
      const result =
        service === 'sts'
          ? sts(action, params, who.accountId, who.arn)
          : iam(action, params, who.accountId, who.arn);
      const ns = NS[service === 'sts' ? 'sts' : 'iam'];
      const inner = result ? `<${action}Result>${result}</${action}Result>` : '';
      send(
        200,
        `<${action}Response xmlns="${ns}">${inner}<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
        'text/xml',
      );
    } catch (e) {
      if (e instanceof AwsError) fail(e);
      else
        fail(
          new AwsError(
            json ? 'InternalServiceError' : 'InternalFailure',
            `stand-in error: ${(e as Error).message}`,
            500,
          ),
        );
    }
  }

  const server = createServer((req, res) => void onRequest(req, res));
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  handle.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  handle.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return handle;
}
