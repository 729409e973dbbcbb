/**
 * IAM's read side for identities: GetAccountAuthorizationDetails (users, groups, roles and
 * managed policies with their URL-encoded documents, paged by Marker/MaxItems), the List*
 * fallbacks and ListAccountAliases; and the table routing every IAM action to its handler.
 */
import { offsetPage } from '../../../src/connector/stand-in.js';
import { paged, type IamHandler } from './iam-request.js';
import { AwsError } from './errors.js';
import {
  AWS_MANAGED_POLICIES,
  type EstateAccount,
  type EstateInlinePolicy,
  type EstatePolicyDocument,
  type EstatePolicyVersion,
} from './estate.js';
import { ADVISOR_ACTIONS } from './iam-advisor.js';
import { CREDENTIAL_ACTIONS } from './iam-credentials.js';
import { inlineText, POLICY_ACTIONS, versionsOf } from './iam-policies.js';
import { isoSeconds, memberList, type XmlValue } from './query.js';
import {
  groupArn,
  idFor,
  managedArnName,
  roleArn,
  userArn,
  type AccountState,
  type StandInState,
} from './state.js';

function encodePolicy(doc: EstatePolicyDocument): string {
  return encodeURIComponent(JSON.stringify(doc));
}
const tags = (t: Record<string, string> | undefined) =>
  Object.entries(t ?? {}).map(([Key, Value]) => ({ Key, Value }));
const inline = (list: EstateInlinePolicy[] | undefined) =>
  (list ?? []).map((p) => ({
    PolicyName: p.name,
    PolicyDocument: encodeURIComponent(inlineText(p)),
  }));
const attached = (list: string[] | undefined) =>
  (list ?? []).map((arn) => ({ PolicyName: managedArnName(arn), PolicyArn: arn }));

type GaadKind = 'User' | 'Group' | 'Role' | 'LocalManagedPolicy' | 'AWSManagedPolicy';
const GAAD_LISTS: Record<GaadKind, string> = {
  User: 'UserDetailList',
  Group: 'GroupDetailList',
  Role: 'RoleDetailList',
  LocalManagedPolicy: 'Policies',
  AWSManagedPolicy: 'Policies',
};

/** Everything GAAD lists for an account, in its order: users, groups, roles, policies. */
function gaadItems(a: EstateAccount): { kind: GaadKind; value: XmlValue }[] {
  const items: { kind: GaadKind; value: XmlValue }[] = [];
  const used = new Set<string>();
  for (const u of a.users) {
    u.attachedPolicies?.forEach((p) => used.add(p));
    items.push({
      kind: 'User',
      value: {
        Path: u.path ?? '/',
        UserName: u.name,
        UserId: u.id ?? idFor('AIDA', `${a.id}${u.name}`),
        Arn: userArn(a, u),
        CreateDate: isoSeconds(u.createdAt),
        UserPolicyList: inline(u.inlinePolicies),
        GroupList: u.groups ?? [],
        AttachedManagedPolicies: attached(u.attachedPolicies),
        Tags: tags(u.tags),
      },
    });
  }
  for (const g of a.groups) {
    g.attachedPolicies?.forEach((p) => used.add(p));
    items.push({
      kind: 'Group',
      value: {
        Path: g.path ?? '/',
        GroupName: g.name,
        GroupId: idFor('AGPA', `${a.id}${g.name}`),
        Arn: groupArn(a, g),
        CreateDate: isoSeconds(g.createdAt),
        GroupPolicyList: inline(g.inlinePolicies),
        AttachedManagedPolicies: attached(g.attachedPolicies),
      },
    });
  }
  for (const r of a.roles) {
    r.attachedPolicies?.forEach((p) => used.add(p));
    items.push({
      kind: 'Role',
      value: {
        Path: r.path ?? '/',
        RoleName: r.name,
        RoleId: r.id ?? idFor('AROA', `${a.id}${r.name}`),
        Arn: roleArn(a, r),
        CreateDate: isoSeconds(r.createdAt),
        AssumeRolePolicyDocument: encodePolicy(r.trustPolicy),
        InstanceProfileList: [],
        RolePolicyList: inline(r.inlinePolicies),
        AttachedManagedPolicies: attached(r.attachedPolicies),
        Tags: tags(r.tags),
        RoleLastUsed: r.lastUsedAt
          ? { LastUsedDate: isoSeconds(r.lastUsedAt), Region: r.lastUsedRegion ?? 'us-east-1' }
          : {},
      },
    });
  }
  const policy = (
    name: string,
    arn: string,
    path: string,
    versions: EstatePolicyVersion[],
    defaultVersion: string,
    created: string,
    updated: string,
  ) => ({
    PolicyName: name,
    PolicyId: idFor('ANPA', arn),
    Arn: arn,
    Path: path,
    DefaultVersionId: defaultVersion,
    IsAttachable: true,
    CreateDate: isoSeconds(created),
    UpdateDate: isoSeconds(updated),
    PolicyVersionList: versions.map((v) => ({
      Document: encodeURIComponent(v.text),
      VersionId: v.id,
      IsDefaultVersion: v.id === defaultVersion,
      CreateDate: isoSeconds(v.createdAt),
    })),
  });
  for (const p of a.policies) {
    const path = p.path ?? '/';
    items.push({
      kind: 'LocalManagedPolicy',
      value: policy(
        p.name,
        `arn:aws:iam::${a.id}:policy${path}${p.name}`,
        path,
        versionsOf(p),
        p.defaultVersion ?? 'v1',
        p.createdAt,
        p.updatedAt ?? p.createdAt,
      ),
    });
  }
  // GAAD lists the AWS managed policies that are attached to something in the account.
  for (const arn of [...used].filter((x) => x.startsWith('arn:aws:iam::aws:policy/')).sort()) {
    const doc = AWS_MANAGED_POLICIES[managedArnName(arn)];
    if (!doc) continue;
    const path = arn.slice('arn:aws:iam::aws:policy'.length, arn.lastIndexOf('/') + 1);
    const since = '2015-02-06T18:39:46Z';
    items.push({
      kind: 'AWSManagedPolicy',
      value: policy(
        managedArnName(arn),
        arn,
        path,
        [{ id: 'v1', text: JSON.stringify(doc), createdAt: since }],
        'v1',
        since,
        since,
      ),
    });
  }
  return items;
}

/** A listing's first page takes a snapshot; later pages page through the same snapshot. */
const snapshots = new WeakMap<AccountState, { kind: GaadKind; value: XmlValue }[]>();

const getAccountAuthorizationDetails: IamHandler = (r) => {
  const filter = memberList(r.params, 'Filter');
  if (!r.params.get('Marker')) snapshots.set(r.account, gaadItems(r.a));
  const items = snapshots.get(r.account)!.filter((i) => !filter.length || filter.includes(i.kind));
  const pg = offsetPage(items, r.params.get('Marker'), Number(r.params.get('MaxItems') ?? 100));
  const lists: Record<string, XmlValue[]> = {
    UserDetailList: [],
    GroupDetailList: [],
    RoleDetailList: [],
    Policies: [],
  };
  for (const i of pg.items) lists[GAAD_LISTS[i.kind]]!.push(i.value);
  return { ...lists, IsTruncated: pg.next !== null, Marker: pg.next };
};

const IDENTITY_ACTIONS: Record<string, IamHandler> = {
  GetAccountAuthorizationDetails: getAccountAuthorizationDetails,
  ListUsers: (r) =>
    paged(r, r.a.users, 'Users', (u) => ({
      Path: u.path ?? '/',
      UserName: u.name,
      UserId: u.id ?? idFor('AIDA', `${r.a.id}${u.name}`),
      Arn: userArn(r.a, u),
      CreateDate: isoSeconds(u.createdAt),
      PasswordLastUsed: u.passwordLastUsed ? isoSeconds(u.passwordLastUsed) : null,
    })),
  ListRoles: (r) =>
    paged(r, r.a.roles, 'Roles', (x) => ({
      Path: x.path ?? '/',
      RoleName: x.name,
      RoleId: x.id ?? idFor('AROA', `${r.a.id}${x.name}`),
      Arn: roleArn(r.a, x),
      CreateDate: isoSeconds(x.createdAt),
      AssumeRolePolicyDocument: encodePolicy(x.trustPolicy),
      MaxSessionDuration: x.maxSessionDuration ?? 3600,
    })),
  ListGroups: (r) =>
    paged(r, r.a.groups, 'Groups', (g) => ({
      Path: g.path ?? '/',
      GroupName: g.name,
      GroupId: idFor('AGPA', `${r.a.id}${g.name}`),
      Arn: groupArn(r.a, g),
      CreateDate: isoSeconds(g.createdAt),
    })),
  ListAccountAliases: (r) => ({ AccountAliases: r.a.alias ? [r.a.alias] : [], IsTruncated: false }),
};

const ACTIONS: Record<string, IamHandler> = {
  ...IDENTITY_ACTIONS,
  ...CREDENTIAL_ACTIONS,
  ...ADVISOR_ACTIONS,
  ...POLICY_ACTIONS,
};

/** Runs an IAM action in the caller's account. */
export function iam(
  state: StandInState,
  action: string,
  params: URLSearchParams,
  accountId: string,
  caller: string,
): XmlValue {
  const handler = ACTIONS[action];
  if (!handler)
    throw new AwsError(
      'InvalidAction',
      `The action ${action} is not valid for this web service.`,
      400,
    );
  const account = state.account(accountId);
  return handler({ state, account, a: account.data, params, caller });
}
