/**
 * An AWS-managed policy of which only part is used cannot be edited: it is replaced by a
 * customer-managed copy of the used part, named and described so any later read (a resumed run,
 * a rollback in another process) recognises it. The order never removes used access: create the
 * copy, attach it, then detach the managed policy; rollback reattaches the managed policy before
 * detaching and deleting the copy. Every step checks first, so each is safe to repeat.
 */
import { createHash } from 'node:crypto';
import type { TrimChange, TrimSubject } from '../../../src/connector/index.js';
import type { IamPolicies, PrincipalKind } from './client.js';

/** Copies live under this IAM path, so they are easy to find and tell apart. */
export const COPY_PATH = '/nhi-trim/';
const DESCRIBES = 'nhi trim: the used part of ';

export type Principal = { kind: PrincipalKind; name: string };
type Progress = ((label: string) => void) | undefined;

/** The copy's name: stable for this principal and managed policy (IAM allows 128 characters). */
export function copyName(p: Principal, managedArn: string): string {
  const managed = managedArn.slice(managedArn.lastIndexOf('/') + 1);
  const name = `nhi-${p.kind}-${p.name}-${managed}`;
  if (name.length <= 128) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 12);
  return `${name.slice(0, 115)}-${hash}`;
}

export function copyArn(subject: TrimSubject, p: Principal, managedArn: string): string {
  const partition = managedArn.split(':')[1] ?? 'aws';
  return `arn:${partition}:iam::${subject.scope.id}:policy${COPY_PATH}${copyName(p, managedArn)}`;
}

export const copyDescription = (managedArn: string, p: Principal) =>
  `${DESCRIBES}${managedArn} for ${p.kind} ${p.name}`;

/** The managed policy a copy stands for (from its description), or null for any other policy. */
export function replacedBy(arn: string, description: string | null, p: Principal): string | null {
  if (!arn.includes(`:policy${COPY_PATH}`) || !description?.startsWith(DESCRIBES)) return null;
  const managed = description.slice(DESCRIBES.length).split(' ')[0] ?? '';
  return description === copyDescription(managed, p) &&
    copyName(p, managed) === arn.split('/').pop()
    ? managed
    : null;
}

const isAttached = async (iam: IamPolicies, p: Principal, arn: string) =>
  (await iam.attached(p.kind, p.name)).some((a) => a.arn === arn);

/** create copy → attach copy → detach managed; each skipped when it already holds. */
export async function replace(
  iam: IamPolicies,
  subject: TrimSubject,
  p: Principal,
  managedArn: string,
  change: TrimChange,
  progress: Progress,
): Promise<{ requestId: string | null; detail: Record<string, string | null> }> {
  const copy = copyArn(subject, p, managedArn);
  const text = change.after!;
  let requestId: string | null = null;
  const existing = await iam.policyOrNull(copy);
  if (existing) {
    const now = await iam.versionText(copy, existing.defaultVersion);
    if (now !== text || replacedBy(copy, existing.description, p) !== managedArn)
      throw new Error(
        `${copy} exists and is not the copy this run would make; nothing was detached`,
      );
  } else {
    requestId = await iam.createPolicy(
      copyName(p, managedArn),
      COPY_PATH,
      text,
      copyDescription(managedArn, p),
    );
    progress?.('create-policy');
  }
  if (!(await isAttached(iam, p, copy))) {
    requestId = (await iam.attach(p.kind, p.name, copy)) ?? requestId;
    progress?.('attach-copy');
  }
  if (await isAttached(iam, p, managedArn)) {
    requestId = (await iam.detach(p.kind, p.name, managedArn)) ?? requestId;
    progress?.('detach-managed');
  }
  return { requestId, detail: { replacement: copy } };
}

/** attach managed → detach copy → delete copy; a copy someone attached elsewhere is kept. */
export async function unreplace(
  iam: IamPolicies,
  subject: TrimSubject,
  p: Principal,
  managedArn: string,
  progress: Progress,
): Promise<{ requestId: string | null; kept: string | null }> {
  const copy = copyArn(subject, p, managedArn);
  let requestId: string | null = null;
  if (!(await isAttached(iam, p, managedArn))) {
    requestId = await iam.attach(p.kind, p.name, managedArn);
    progress?.('attach-managed');
  }
  if (await isAttached(iam, p, copy)) {
    requestId = (await iam.detach(p.kind, p.name, copy)) ?? requestId;
    progress?.('detach-copy');
  }
  const pol = await iam.policyOrNull(copy);
  if (!pol || replacedBy(copy, pol.description, p) !== managedArn) return { requestId, kept: null };
  if (pol.attachments > 0) return { requestId, kept: copy };
  requestId = (await iam.deletePolicy(copy)) ?? requestId;
  progress?.('delete-copy');
  return { requestId, kept: null };
}
