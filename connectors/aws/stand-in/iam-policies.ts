/**
 * IAM's policy actions for users and roles, as `nhi trim` uses them on the demo estate: inline
 * policies (List/Get/Put/Delete{User,Role}Policy), attachments (ListAttached…, Attach…,
 * Detach…) and managed policies with their versions (Get/Create/DeletePolicy,
 * Get/List/Create/DeletePolicyVersion, SetDefaultPolicyVersion). Documents are kept as the
 * exact text written and answered URL-encoded, as IAM does; errors use IAM's codes and
 * messages (NoSuchEntity, LimitExceeded at five versions, DeleteConflict…).
 */
import { AwsError } from './errors.js';
import {
  AWS_MANAGED_POLICIES,
  type EstateAccount,
  type EstateInlinePolicy,
  type EstateManagedPolicy,
  type EstatePolicyDocument,
  type EstatePolicyVersion,
} from './estate.js';
import { paged, type IamHandler, type IamRequest } from './iam-request.js';
import { isoSeconds } from './query.js';
import { idFor, managedArnName } from './state.js';

/** IAM keeps at most five versions of a managed policy. */
const MAX_VERSIONS = 5;
const AWS_SINCE = '2015-02-06T18:39:46Z';

/** An inline policy's exact text (as last written, else its document as JSON). */
export const inlineText = (p: EstateInlinePolicy) => p.text ?? JSON.stringify(p.document);

/** A customer-managed policy's versions (one, v1, until a version is created). */
export function versionsOf(p: EstateManagedPolicy): EstatePolicyVersion[] {
  p.versions ??= [{ id: 'v1', text: JSON.stringify(p.document), createdAt: p.createdAt }];
  return p.versions;
}
const defaultOf = (p: EstateManagedPolicy) => p.defaultVersion ?? 'v1';

type Principal = {
  kind: 'User' | 'Role';
  entity: { name: string; inlinePolicies?: EstateInlinePolicy[]; attachedPolicies?: string[] };
};

function principalOf(r: IamRequest, kind: 'User' | 'Role'): Principal {
  const name = r.params.get(`${kind}Name`);
  const list: Principal['entity'][] = kind === 'User' ? r.a.users : r.a.roles;
  const entity = list.find((x) => x.name === name);
  if (!entity)
    throw new AwsError(
      'NoSuchEntity',
      `The ${kind.toLowerCase()} with name ${name} cannot be found.`,
      404,
    );
  return { kind, entity };
}

function parseDocument(text: string | null): EstatePolicyDocument {
  try {
    const doc = JSON.parse(text ?? '') as EstatePolicyDocument;
    if (doc && typeof doc === 'object' && doc.Statement) return doc;
  } catch {
    // answered below
  }
  throw new AwsError('MalformedPolicyDocument', 'Syntax errors in policy.', 400);
}

/** A managed policy of the account, or an AWS managed one the stand-in knows. */
type Found =
  | { aws: true; name: string; path: string; text: string }
  | { aws: false; policy: EstateManagedPolicy; path: string };

const customerArn = (a: EstateAccount, p: EstateManagedPolicy) =>
  `arn:aws:iam::${a.id}:policy${p.path ?? '/'}${p.name}`;

function findPolicy(a: EstateAccount, arn: string | null): Found {
  const missing = () =>
    new AwsError('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`, 404);
  if (!arn) throw missing();
  if (/^arn:aws:iam::aws:policy\//.test(arn)) {
    const doc = AWS_MANAGED_POLICIES[managedArnName(arn)];
    if (!doc) throw missing();
    const path = arn.slice('arn:aws:iam::aws:policy'.length, arn.lastIndexOf('/') + 1);
    return { aws: true, name: managedArnName(arn), path, text: JSON.stringify(doc) };
  }
  const policy = a.policies.find((p) => customerArn(a, p) === arn);
  if (!policy) throw missing();
  return { aws: false, policy, path: policy.path ?? '/' };
}

function attachments(a: EstateAccount, arn: string): number {
  const all = [...a.users, ...a.roles, ...a.groups];
  return all.filter((x) => (x.attachedPolicies ?? []).includes(arn)).length;
}

function policyResult(a: EstateAccount, arn: string, f: Found) {
  const p = f.aws ? null : f.policy;
  return {
    PolicyName: f.aws ? f.name : p!.name,
    PolicyId: idFor('ANPA', arn),
    Arn: arn,
    Path: f.path,
    DefaultVersionId: p ? defaultOf(p) : 'v1',
    AttachmentCount: attachments(a, arn),
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    Description: p?.description ?? null,
    CreateDate: isoSeconds(p?.createdAt ?? AWS_SINCE),
    UpdateDate: isoSeconds(p?.updatedAt ?? p?.createdAt ?? AWS_SINCE),
  };
}

function versionOf(f: Found, id: string | null): EstatePolicyVersion & { isDefault: boolean } {
  if (f.aws) {
    if (id === 'v1') return { id, text: f.text, createdAt: AWS_SINCE, isDefault: true };
  } else {
    const v = versionsOf(f.policy).find((x) => x.id === id);
    if (v) return { ...v, isDefault: v.id === defaultOf(f.policy) };
  }
  throw new AwsError('NoSuchEntity', `Policy version ${id} does not exist.`, 404);
}

function customerOnly(f: Found, arn: string | null): EstateManagedPolicy {
  if (f.aws)
    throw new AwsError(
      'AccessDenied',
      `An AWS managed policy cannot be changed: ${arn} is maintained by AWS.`,
      403,
    );
  return f.policy;
}

/** Makes `v` the default: the estate's document follows, so scans and Access Advisor see it. */
function makeDefault(p: EstateManagedPolicy, v: EstatePolicyVersion, now: string): void {
  p.defaultVersion = v.id;
  p.document = JSON.parse(v.text) as EstatePolicyDocument;
  p.updatedAt = now;
}

function inlineActions(kind: 'User' | 'Role'): Record<string, IamHandler> {
  const missing = (name: string | null) =>
    new AwsError(
      'NoSuchEntity',
      `The ${kind.toLowerCase()} policy with name ${name} cannot be found.`,
      404,
    );
  return {
    [`List${kind}Policies`]: (r) =>
      paged(r, principalOf(r, kind).entity.inlinePolicies ?? [], 'PolicyNames', (p) => p.name),
    [`Get${kind}Policy`]: (r) => {
      const { entity } = principalOf(r, kind);
      const name = r.params.get('PolicyName');
      const p = (entity.inlinePolicies ?? []).find((x) => x.name === name);
      if (!p) throw missing(name);
      return {
        [`${kind}Name`]: entity.name,
        PolicyName: p.name,
        PolicyDocument: encodeURIComponent(inlineText(p)),
      };
    },
    [`Put${kind}Policy`]: (r) => {
      const { entity } = principalOf(r, kind);
      const name = r.params.get('PolicyName') ?? '';
      const text = r.params.get('PolicyDocument');
      const document = parseDocument(text);
      const list = (entity.inlinePolicies ??= []);
      const p = list.find((x) => x.name === name);
      if (p) Object.assign(p, { document, text });
      else list.push({ name, document, text: text! });
      return null;
    },
    [`Delete${kind}Policy`]: (r) => {
      const { entity } = principalOf(r, kind);
      const name = r.params.get('PolicyName');
      const list = entity.inlinePolicies ?? [];
      const i = list.findIndex((x) => x.name === name);
      if (i < 0) throw missing(name);
      list.splice(i, 1);
      return null;
    },
  };
}

function attachmentActions(kind: 'User' | 'Role'): Record<string, IamHandler> {
  return {
    [`ListAttached${kind}Policies`]: (r) =>
      paged(r, principalOf(r, kind).entity.attachedPolicies ?? [], 'AttachedPolicies', (arn) => ({
        PolicyName: managedArnName(arn),
        PolicyArn: arn,
      })),
    [`Attach${kind}Policy`]: (r) => {
      const { entity } = principalOf(r, kind);
      const arn = r.params.get('PolicyArn');
      findPolicy(r.a, arn);
      const list = (entity.attachedPolicies ??= []);
      if (!list.includes(arn!)) list.push(arn!);
      return null;
    },
    [`Detach${kind}Policy`]: (r) => {
      const { entity } = principalOf(r, kind);
      const arn = r.params.get('PolicyArn');
      const list = entity.attachedPolicies ?? [];
      const i = list.indexOf(arn ?? '');
      if (i < 0) throw new AwsError('NoSuchEntity', `Policy ${arn} was not found.`, 404);
      list.splice(i, 1);
      return null;
    },
  };
}

const MANAGED_ACTIONS: Record<string, IamHandler> = {
  GetPolicy: (r) => {
    const arn = r.params.get('PolicyArn');
    return { Policy: policyResult(r.a, arn!, findPolicy(r.a, arn)) };
  },

  CreatePolicy: (r) => {
    const name = r.params.get('PolicyName') ?? '';
    const path = r.params.get('Path') ?? '/';
    const text = r.params.get('PolicyDocument');
    const document = parseDocument(text);
    const arn = `arn:aws:iam::${r.a.id}:policy${path}${name}`;
    if (r.a.policies.some((p) => customerArn(r.a, p) === arn))
      throw new AwsError(
        'EntityAlreadyExists',
        `A policy called ${name} already exists. Duplicate names are not allowed.`,
        409,
      );
    const now = r.state.now().toISOString();
    const policy: EstateManagedPolicy = {
      name,
      path,
      createdAt: now,
      document,
      versions: [{ id: 'v1', text: text!, createdAt: now }],
      defaultVersion: 'v1',
      ...(r.params.get('Description') ? { description: r.params.get('Description')! } : {}),
    };
    r.a.policies.push(policy);
    return { Policy: policyResult(r.a, arn, { aws: false, policy, path }) };
  },

  DeletePolicy: (r) => {
    const arn = r.params.get('PolicyArn');
    const p = customerOnly(findPolicy(r.a, arn), arn);
    if (attachments(r.a, arn!) > 0)
      throw new AwsError('DeleteConflict', 'Cannot delete a policy attached to entities.', 409);
    if (versionsOf(p).length > 1)
      throw new AwsError(
        'DeleteConflict',
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
        409,
      );
    r.a.policies.splice(r.a.policies.indexOf(p), 1);
    return null;
  },

  GetPolicyVersion: (r) => {
    const v = versionOf(findPolicy(r.a, r.params.get('PolicyArn')), r.params.get('VersionId'));
    return {
      PolicyVersion: {
        Document: encodeURIComponent(v.text),
        VersionId: v.id,
        IsDefaultVersion: v.isDefault,
        CreateDate: isoSeconds(v.createdAt),
      },
    };
  },

  ListPolicyVersions: (r) => {
    const f = findPolicy(r.a, r.params.get('PolicyArn'));
    const list = f.aws ? [versionOf(f, 'v1')] : versionsOf(f.policy).map((v) => versionOf(f, v.id));
    return {
      Versions: list.map((v) => ({
        VersionId: v.id,
        IsDefaultVersion: v.isDefault,
        CreateDate: isoSeconds(v.createdAt),
      })),
      IsTruncated: false,
    };
  },

  CreatePolicyVersion: (r) => {
    const arn = r.params.get('PolicyArn');
    const p = customerOnly(findPolicy(r.a, arn), arn);
    const text = r.params.get('PolicyDocument');
    parseDocument(text);
    const versions = versionsOf(p);
    if (versions.length >= MAX_VERSIONS)
      throw new AwsError(
        'LimitExceeded',
        `A managed policy can have up to ${MAX_VERSIONS} versions. Before you create a new version, you must delete an existing version.`,
        409,
      );
    const next = Math.max(...versions.map((v) => Number(v.id.slice(1)) || 0)) + 1;
    const now = r.state.now().toISOString();
    const v = { id: `v${next}`, text: text!, createdAt: now };
    versions.push(v);
    const asDefault = r.params.get('SetAsDefault') === 'true';
    if (asDefault) makeDefault(p, v, now);
    return {
      PolicyVersion: { VersionId: v.id, IsDefaultVersion: asDefault, CreateDate: isoSeconds(now) },
    };
  },

  SetDefaultPolicyVersion: (r) => {
    const arn = r.params.get('PolicyArn');
    const p = customerOnly(findPolicy(r.a, arn), arn);
    const v = versionOf({ aws: false, policy: p, path: '' }, r.params.get('VersionId'));
    makeDefault(p, v, r.state.now().toISOString());
    return null;
  },

  DeletePolicyVersion: (r) => {
    const arn = r.params.get('PolicyArn');
    const p = customerOnly(findPolicy(r.a, arn), arn);
    const v = versionOf({ aws: false, policy: p, path: '' }, r.params.get('VersionId'));
    if (v.isDefault)
      throw new AwsError('DeleteConflict', 'Cannot delete the default version of a policy.', 409);
    const versions = versionsOf(p);
    versions.splice(
      versions.findIndex((x) => x.id === v.id),
      1,
    );
    return null;
  },
};

export const POLICY_ACTIONS: Record<string, IamHandler> = {
  ...inlineActions('User'),
  ...inlineActions('Role'),
  ...attachmentActions('User'),
  ...attachmentActions('Role'),
  ...MANAGED_ACTIONS,
};
