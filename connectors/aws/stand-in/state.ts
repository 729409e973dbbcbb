/**
 * The stand-in's live state: the estate (mutated by write calls), who signs with which access
 * key, per-account reports and Access Advisor jobs, Secrets Manager secrets, and the lookups
 * every service handler shares.
 */
import { AwsError } from './errors.js';
import {
  AWS_MANAGED_POLICIES,
  type AwsEstate,
  type EstateAccessKey,
  type EstateAccount,
  type EstateInlinePolicy,
  type EstatePolicyDocument,
} from './estate.js';

export interface Job {
  arn: string;
  createdAt: string;
  pendingPolls: number;
  services: { namespace: string; lastAuthenticated: string | null }[];
}

export interface AccountState {
  data: EstateAccount;
  report: { generatedAt: string; csv: string; pendingPolls: number } | null;
  jobs: Map<string, Job>;
}

export interface Secret {
  arn: string;
  name: string;
  versions: Map<string, { value: string; stages: string[]; createdAt: number }>;
  createdAt: number;
}

export interface Signer {
  accountId: string;
  arn: string;
  /** The user's access key it signs with (absent for callers and assumed-role sessions). */
  key?: EstateAccessKey;
}

export interface StandInOptions {
  /** GetCredentialReport answers ReportInProgress this many times after each generation. */
  reportPendingPolls?: number;
  /** GetServiceLastAccessedDetails answers IN_PROGRESS this many times per job. */
  advisorPendingPolls?: number;
}

export class StandInState {
  readonly accounts = new Map<string, AccountState>();
  /** Access key id -> who signs with it (callers, users' keys, assumed-role sessions). */
  readonly signers = new Map<string, Signer>();
  /** Account -> secret name -> secret. */
  readonly secrets = new Map<string, Map<string, Secret>>();

  constructor(
    readonly estate: AwsEstate,
    readonly now: () => Date,
    readonly options: StandInOptions,
  ) {
    for (const a of estate.accounts)
      this.accounts.set(a.id, { data: a, report: null, jobs: new Map() });
    for (const c of estate.callers)
      this.signers.set(c.accessKeyId, { accountId: c.accountId, arn: c.arn });
    for (const a of estate.accounts)
      for (const u of a.users)
        for (const k of u.accessKeys ?? [])
          this.signers.set(k.id, { accountId: a.id, arn: userArn(a, u), key: k });
  }

  account(id: string): AccountState {
    const a = this.accounts.get(id);
    if (!a) throw new AwsError('AccessDenied', `account ${id} is not served by this stand-in`, 403);
    return a;
  }

  /** Who signed a request: an Inactive access key authenticates nothing, as in AWS. */
  signer(accessKeyId: string | null): Signer | undefined {
    const who = accessKeyId ? this.signers.get(accessKeyId) : undefined;
    return who?.key?.status === 'Inactive' ? undefined : who;
  }
}

export function userArn(a: EstateAccount, u: { name: string; path?: string }): string {
  return `arn:aws:iam::${a.id}:user${u.path ?? '/'}${u.name}`;
}
export function roleArn(a: EstateAccount, r: { name: string; path?: string }): string {
  return `arn:aws:iam::${a.id}:role${r.path ?? '/'}${r.name}`;
}
export function groupArn(a: EstateAccount, g: { name: string; path?: string }): string {
  return `arn:aws:iam::${a.id}:group${g.path ?? '/'}${g.name}`;
}
export function managedArnName(arn: string): string {
  return arn.split('/').pop()!;
}

/** A deterministic IAM-style id (AIDA…, AROA…) for an entity without one in the estate. */
export function idFor(prefix: string, seed: string): string {
  let h = 0;
  for (const c of seed) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const base = (
    h.toString(36).toUpperCase() +
    seed.replace(/[^A-Za-z0-9]/g, '').toUpperCase() +
    'X'.repeat(17)
  ).slice(0, 17);
  return `${prefix}${base}`;
}

export function policyDoc(a: EstateAccount, arn: string): EstatePolicyDocument | null {
  if (arn.startsWith('arn:aws:iam::aws:policy/'))
    return AWS_MANAGED_POLICIES[managedArnName(arn)] ?? null;
  return (
    a.policies.find((p) => `arn:aws:iam::${a.id}:policy${p.path ?? '/'}${p.name}` === arn)
      ?.document ?? null
  );
}

export function findUser(a: EstateAccount, name: string | null) {
  const u = a.users.find((x) => x.name === name);
  if (!u) throw new AwsError('NoSuchEntity', `The user with name ${name} cannot be found.`, 404);
  return u;
}

export function findKey(a: EstateAccount, keyId: string) {
  for (const u of a.users) {
    const k = (u.accessKeys ?? []).find((x) => x.id === keyId);
    if (k) return { user: u, key: k };
  }
  throw new AwsError('NoSuchEntity', `The Access Key with id ${keyId} cannot be found`, 404);
}

/** A principal's identity policies, its groups' included; null when there is no such user or role. */
export function principalPolicies(
  a: EstateAccount,
  arn: string,
): { id: string; doc: EstatePolicyDocument }[] | null {
  const user = a.users.find((u) => userArn(a, u) === arn);
  const role = a.roles.find((r) => roleArn(a, r) === arn);
  const group = a.groups.find((g) => groupArn(a, g) === arn);
  const principal = user ?? role ?? group;
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
