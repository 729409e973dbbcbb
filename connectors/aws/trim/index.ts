/**
 * `nhi trim` on AWS: the documents that grant an IAM user or role its permissions — inline
 * policies (rewritten), attachments of AWS-managed policies (detached when unused, replaced by a
 * customer-managed copy of the used part when partly used: replace.ts), customer-managed
 * policies (a new default version; the old version is kept so rollback makes it default again).
 */
import {
  UserError,
  type ConnectorContext,
  type GrantDocument,
  type TrimActions,
  type TrimChange,
  type TrimSubject,
  type TrimWriteResult,
} from '../../../src/connector/index.js';
import { sessionFor } from '../actions.js';
import { IamPolicies, type PrincipalKind } from './client.js';
import { narrow, permissionsOf } from './narrow.js';
import { replace, replacedBy, unreplace } from './replace.js';

/** The marker a present attachment reads as (an attachment has no text of its own). */
export const ATTACHED = 'attached';

function principal(subject: TrimSubject): { kind: PrincipalKind; name: string } {
  const kind = subject.identityKind;
  if (kind !== 'user' && kind !== 'role')
    throw new UserError(`aws: only IAM users and roles can be trimmed, not a ${kind}`);
  const a = subject.attributes;
  const named = kind === 'user' ? a.userName : a.roleName;
  const name =
    typeof named === 'string' ? named : subject.identityExternalId.split('/').pop() || '';
  if (!name) throw new UserError(`aws: ${subject.identityExternalId} has no name`);
  return { kind, name };
}

async function withPolicies<T>(
  ctx: ConnectorContext,
  subject: TrimSubject,
  fn: (iam: IamPolicies, p: { kind: PrincipalKind; name: string }) => Promise<T>,
): Promise<T> {
  const p = principal(subject);
  const session = await sessionFor(ctx, subject.scope.id);
  const iam = new IamPolicies(session, ctx.signal);
  try {
    return await fn(iam, p);
  } finally {
    iam.close();
    session.close();
  }
}

const isAwsManaged = (arn: string) => /^arn:aws[\w-]*:iam::aws:policy\//.test(arn);

async function readAll(
  iam: IamPolicies,
  p: { kind: PrincipalKind; name: string },
): Promise<GrantDocument[]> {
  const docs: GrantDocument[] = [];
  for (const name of (await iam.inlineNames(p.kind, p.name)).sort()) {
    docs.push({
      address: `inline:${name}`,
      kind: 'inline-policy',
      name,
      document: await iam.inline(p.kind, p.name, name),
      version: null,
      owner: 'inline',
      changedAt: null,
      facts: {},
    });
  }
  const attached = (await iam.attached(p.kind, p.name)).sort((x, y) => x.arn.localeCompare(y.arn));
  const present = new Set(attached.map((a) => a.arn));
  const later: GrantDocument[] = [];
  for (const a of attached) {
    if (isAwsManaged(a.arn)) {
      const pol = await iam.policy(a.arn);
      docs.push({
        address: `attachment:${a.arn}`,
        kind: 'attachment',
        name: a.name,
        document: ATTACHED,
        version: pol.defaultVersion,
        owner: 'provider',
        changedAt: null,
        // The planner reads the managed policy's text to know what the attachment grants.
        facts: { arn: a.arn, text: await iam.versionText(a.arn, pol.defaultVersion) },
      });
      continue;
    }
    const pol = await iam.policy(a.arn);
    const managed = replacedBy(a.arn, pol.description, p);
    if (managed) {
      // nhi's copy of a managed policy's used part reads as that policy's attachment: its text
      // once the managed policy is detached; while both are attached, still the managed one.
      if (present.has(managed)) continue;
      const text = await iam.versionText(a.arn, pol.defaultVersion);
      later.push({
        address: `attachment:${managed}`,
        kind: 'attachment',
        name: managed.slice(managed.lastIndexOf('/') + 1),
        document: text,
        version: pol.defaultVersion,
        owner: 'customer',
        changedAt: null,
        facts: { arn: managed, text, replacement: a.arn },
      });
      continue;
    }
    const versions = await iam.versions(a.arn);
    const def = versions.find((v) => v.id === pol.defaultVersion);
    docs.push({
      address: `version:${a.arn}`,
      kind: 'policy-version',
      name: a.name,
      document: await iam.versionText(a.arn, pol.defaultVersion),
      version: pol.defaultVersion,
      owner: 'customer',
      changedAt: def?.createdAt ?? null,
      facts: {
        arn: a.arn,
        attachments: pol.attachments,
        versions: versions.map((v) => v.id),
        oldest: [...versions]
          .filter((v) => !v.isDefault)
          .sort((x, y) => (x.createdAt ?? '').localeCompare(y.createdAt ?? ''))
          .map((v) => v.id),
      },
    });
  }
  docs.push(...later);
  return docs;
}

const arnOf = (change: TrimChange) => change.address.slice(change.address.indexOf(':') + 1);

/** IAM keeps at most five versions of a managed policy. */
const MAX_VERSIONS = 5;

export const trim: TrimActions = {
  permissionsOf,
  narrow,

  untouchable(subject) {
    const path = subject.attributes.path;
    if (
      subject.attributes.serviceLinked === true ||
      (typeof path === 'string' && path.startsWith('/aws-service-role/'))
    )
      return 'a service-linked role: AWS manages its permissions';
    if (subject.identityKind === 'root') return 'the account root cannot be restricted by IAM';
    return null;
  },

  read: (ctx, subject) => withPolicies(ctx, subject, readAll),

  write: (ctx, subject, change, progress) =>
    withPolicies(ctx, subject, async (iam, p): Promise<TrimWriteResult> => {
      if (change.kind === 'inline-policy') {
        const name = change.name;
        const now = await iam.inline(p.kind, p.name, name);
        if (now === change.after) return { requestId: null, detail: {} };
        const requestId =
          change.after === null
            ? await iam.deleteInline(p.kind, p.name, name)
            : await iam.putInline(p.kind, p.name, name, change.after);
        return { requestId, detail: {} };
      }
      if (change.kind === 'attachment') {
        const arn = arnOf(change);
        // Partly used: replaced by a customer-managed copy of the used part.
        if (change.after !== null) return replace(iam, subject, p, arn, change, progress);
        return { requestId: await iam.detach(p.kind, p.name, arn), detail: {} };
      }
      if (change.kind === 'policy-version') {
        const arn = arnOf(change);
        const pol = await iam.policy(arn);
        // Resumed after the version was made: it is already the default.
        if (pol.defaultVersion !== change.beforeVersion) {
          const text = await iam.versionText(arn, pol.defaultVersion);
          if (text === change.after)
            return { requestId: null, detail: { version: pol.defaultVersion } };
          throw new Error(
            `${arn}: default version is ${pol.defaultVersion}, neither the planned ${change.beforeVersion} nor ours`,
          );
        }
        let pruned: string | null = null;
        const versions = await iam.versions(arn);
        if (versions.length >= MAX_VERSIONS) {
          const oldest = versions
            .filter((v) => !v.isDefault)
            .sort((x, y) => (x.createdAt ?? '').localeCompare(y.createdAt ?? ''))[0];
          if (!oldest) throw new Error(`${arn}: ${MAX_VERSIONS} versions and none can be removed`);
          await iam.deleteVersion(arn, oldest.id);
          pruned = oldest.id;
        }
        const made = await iam.createDefaultVersion(arn, change.after ?? '');
        return { requestId: made.requestId, detail: { version: made.version, pruned } };
      }
      throw new UserError(`aws: cannot trim a ${change.kind}`);
    }),

  restore: (ctx, subject, change, written, progress) =>
    withPolicies(ctx, subject, async (iam, p) => {
      if (change.kind === 'inline-policy') {
        const now = await iam.inline(p.kind, p.name, change.name);
        if (now === change.before) return { requestId: null };
        const requestId =
          change.before === null
            ? await iam.deleteInline(p.kind, p.name, change.name)
            : await iam.putInline(p.kind, p.name, change.name, change.before);
        return { requestId };
      }
      const arn = arnOf(change);
      if (change.kind === 'attachment' && change.after !== null) {
        const r = await unreplace(iam, subject, p, arn, progress);
        if (r.kept)
          throw new UserError(
            `${change.name} is attached again, but nhi's copy ${r.kept} is now attached elsewhere too; it was kept: detach it there and delete it by hand`,
          );
        return { requestId: r.requestId };
      }
      if (change.kind === 'attachment') {
        const present = (await iam.attached(p.kind, p.name)).some((a) => a.arn === arn);
        return { requestId: present ? null : await iam.attach(p.kind, p.name, arn) };
      }
      if (change.kind === 'policy-version') {
        const before = change.beforeVersion!;
        const pol = await iam.policy(arn);
        let requestId: string | null = null;
        if (pol.defaultVersion !== before) requestId = await iam.setDefault(arn, before);
        // Versions this run made: journaled, or (crash before journaling) not in the plan's list.
        const known = new Set(
          Array.isArray(change.facts.versions) ? (change.facts.versions as string[]) : [],
        );
        const ours = new Set<string>();
        if (written?.version) ours.add(written.version);
        for (const v of await iam.versions(arn))
          if (!known.has(v.id) && v.id !== before) ours.add(v.id);
        for (const v of ours) await iam.deleteVersion(arn, v);
        return { requestId };
      }
      throw new UserError(`aws: cannot restore a ${change.kind}`);
    }),
};
