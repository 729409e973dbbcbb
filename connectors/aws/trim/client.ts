/**
 * IAM policy reads and writes for `nhi trim`, on the SDK (this folder's only SDK import). It
 * reuses an AwsSession's settings and credentials, so endpoints, timeouts and retries are the
 * scan's. Policy documents come back URL-encoded from IAM; they are decoded here and written
 * back exactly as read, so a rollback restores the same bytes.
 */
import {
  IAMClient,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRolePolicyCommand,
  DeleteUserPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  ListPolicyVersionsCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  SetDefaultPolicyVersionCommand,
  paginateListAttachedRolePolicies,
  paginateListAttachedUserPolicies,
  paginateListRolePolicies,
  paginateListUserPolicies,
} from '@aws-sdk/client-iam';
import { ApiError, OriginPin } from '../../../src/connector/index.js';
import type { AwsSession } from '../client.js';
import { toApiError, wirePlugin } from '../wire.js';

export type PrincipalKind = 'user' | 'role';

export interface PolicyVersionInfo {
  id: string;
  isDefault: boolean;
  createdAt: string | null;
}

export interface PolicyInfo {
  defaultVersion: string;
  attachments: number;
  description: string | null;
}

type Meta = { $metadata?: { requestId?: string } };

const invalid = (operation: string, detail: string) =>
  new ApiError({
    provider: 'aws',
    operation,
    kind: 'invalid-response',
    code: 'InvalidResponse',
    detail,
  });

const isGone = (e: unknown) => e instanceof ApiError && e.code === 'NoSuchEntity';

/** Writes whose query answer carries no Result element. */
const VOID_ACTIONS: ReadonlySet<string> = new Set([
  'PutRolePolicy',
  'PutUserPolicy',
  'DeleteRolePolicy',
  'DeleteUserPolicy',
  'AttachRolePolicy',
  'AttachUserPolicy',
  'DetachRolePolicy',
  'DetachUserPolicy',
  'SetDefaultPolicyVersion',
  'DeletePolicyVersion',
  'DeletePolicy',
]);

const decode = (doc: string | undefined, action: string): string => {
  if (doc === undefined) throw invalid(action, 'no document');
  try {
    return decodeURIComponent(doc);
  } catch {
    return doc; // a document that was not URL-encoded (some stand-ins): already the text
  }
};

export class IamPolicies {
  private readonly iam: IAMClient;
  calls = 0;

  private readonly where: { endpoint: string | null; timeoutMs: number };

  constructor(
    session: AwsSession,
    private readonly signal?: AbortSignal,
  ) {
    const s = session.settings;
    const endpoint = s.endpoints.iam;
    this.where = { endpoint: endpoint ?? null, timeoutMs: s.timeoutMs };
    // The scan's transport rules: timeouts, retries, origin pinning, answers checked.
    this.iam = new IAMClient({
      region: s.region,
      credentials: session.credentials,
      maxAttempts: s.maxAttempts,
      retryMode: s.retryMode,
      requestHandler: {
        requestTimeout: s.timeoutMs,
        throwOnRequestTimeout: true,
        socketTimeout: s.timeoutMs,
        connectionTimeout: Math.min(s.timeoutMs, 10_000),
      },
      ...(endpoint ? { endpoint } : {}),
    });
    (this.iam.middlewareStack as { use(p: unknown): void }).use(
      wirePlugin({
        service: 'iam',
        protocol: 'query',
        pin: endpoint ? new OriginPin('aws', [endpoint]) : null,
        voidActions: VOID_ACTIONS,
        onRequest: () => (this.calls += 1),
      }),
    );
  }

  close(): void {
    this.iam.destroy();
  }

  private async call<T>(action: string, command: unknown): Promise<T & Meta> {
    try {
      return (await this.iam.send(command as never, { abortSignal: this.signal })) as T & Meta;
    } catch (e) {
      if (this.signal?.aborted) throw e;
      throw toApiError(action, e, this.where);
    }
  }

  private async all<T>(action: string, pages: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    try {
      for await (const p of pages) out.push(p);
    } catch (e) {
      throw toApiError(action, e, this.where);
    }
    return out;
  }

  async inlineNames(kind: PrincipalKind, name: string): Promise<string[]> {
    const cfg = { client: this.iam };
    const pages =
      kind === 'user'
        ? await this.all('iam:ListUserPolicies', paginateListUserPolicies(cfg, { UserName: name }))
        : await this.all('iam:ListRolePolicies', paginateListRolePolicies(cfg, { RoleName: name }));
    return pages.flatMap((p) => p.PolicyNames ?? []);
  }

  /** The inline policy's text, or null when it does not exist. */
  async inline(kind: PrincipalKind, name: string, policy: string): Promise<string | null> {
    const action = kind === 'user' ? 'iam:GetUserPolicy' : 'iam:GetRolePolicy';
    try {
      const out = await this.call<{ PolicyDocument?: string }>(
        action,
        kind === 'user'
          ? new GetUserPolicyCommand({ UserName: name, PolicyName: policy })
          : new GetRolePolicyCommand({ RoleName: name, PolicyName: policy }),
      );
      return decode(out.PolicyDocument, action);
    } catch (e) {
      if (isGone(e)) return null;
      throw e;
    }
  }

  async putInline(
    kind: PrincipalKind,
    name: string,
    policy: string,
    text: string,
  ): Promise<string | null> {
    const out = await this.call(
      kind === 'user' ? 'iam:PutUserPolicy' : 'iam:PutRolePolicy',
      kind === 'user'
        ? new PutUserPolicyCommand({ UserName: name, PolicyName: policy, PolicyDocument: text })
        : new PutRolePolicyCommand({ RoleName: name, PolicyName: policy, PolicyDocument: text }),
    );
    return out.$metadata?.requestId ?? null;
  }

  async deleteInline(kind: PrincipalKind, name: string, policy: string): Promise<string | null> {
    try {
      const out = await this.call(
        kind === 'user' ? 'iam:DeleteUserPolicy' : 'iam:DeleteRolePolicy',
        kind === 'user'
          ? new DeleteUserPolicyCommand({ UserName: name, PolicyName: policy })
          : new DeleteRolePolicyCommand({ RoleName: name, PolicyName: policy }),
      );
      return out.$metadata?.requestId ?? null;
    } catch (e) {
      if (isGone(e)) return null;
      throw e;
    }
  }

  async attached(kind: PrincipalKind, name: string): Promise<{ arn: string; name: string }[]> {
    const cfg = { client: this.iam };
    const pages =
      kind === 'user'
        ? await this.all(
            'iam:ListAttachedUserPolicies',
            paginateListAttachedUserPolicies(cfg, { UserName: name }),
          )
        : await this.all(
            'iam:ListAttachedRolePolicies',
            paginateListAttachedRolePolicies(cfg, { RoleName: name }),
          );
    return pages
      .flatMap((p) => p.AttachedPolicies ?? [])
      .filter((p) => p.PolicyArn)
      .map((p) => ({ arn: p.PolicyArn!, name: p.PolicyName ?? p.PolicyArn! }));
  }

  async attach(kind: PrincipalKind, name: string, arn: string): Promise<string | null> {
    const out = await this.call(
      kind === 'user' ? 'iam:AttachUserPolicy' : 'iam:AttachRolePolicy',
      kind === 'user'
        ? new AttachUserPolicyCommand({ UserName: name, PolicyArn: arn })
        : new AttachRolePolicyCommand({ RoleName: name, PolicyArn: arn }),
    );
    return out.$metadata?.requestId ?? null;
  }

  async detach(kind: PrincipalKind, name: string, arn: string): Promise<string | null> {
    try {
      const out = await this.call(
        kind === 'user' ? 'iam:DetachUserPolicy' : 'iam:DetachRolePolicy',
        kind === 'user'
          ? new DetachUserPolicyCommand({ UserName: name, PolicyArn: arn })
          : new DetachRolePolicyCommand({ RoleName: name, PolicyArn: arn }),
      );
      return out.$metadata?.requestId ?? null;
    } catch (e) {
      if (isGone(e)) return null;
      throw e;
    }
  }

  async policy(arn: string): Promise<PolicyInfo> {
    const out = await this.call<{
      Policy?: { DefaultVersionId?: string; AttachmentCount?: number; Description?: string };
    }>('iam:GetPolicy', new GetPolicyCommand({ PolicyArn: arn }));
    const v = out.Policy?.DefaultVersionId;
    if (!v) throw invalid('iam:GetPolicy', 'no default version');
    return {
      defaultVersion: v,
      attachments: out.Policy?.AttachmentCount ?? 0,
      description: out.Policy?.Description ?? null,
    };
  }

  /** The policy, or null when it does not exist. */
  async policyOrNull(arn: string): Promise<PolicyInfo | null> {
    try {
      return await this.policy(arn);
    } catch (e) {
      if (isGone(e)) return null;
      throw e;
    }
  }

  async createPolicy(
    name: string,
    path: string,
    text: string,
    description: string,
  ): Promise<string | null> {
    const out = await this.call(
      'iam:CreatePolicy',
      new CreatePolicyCommand({
        PolicyName: name,
        Path: path,
        PolicyDocument: text,
        Description: description,
      }),
    );
    return out.$metadata?.requestId ?? null;
  }

  /** Deletes a customer-managed policy with its non-default versions (IAM requires that order). */
  async deletePolicy(arn: string): Promise<string | null> {
    try {
      for (const v of await this.versions(arn))
        if (!v.isDefault) await this.deleteVersion(arn, v.id);
      const out = await this.call('iam:DeletePolicy', new DeletePolicyCommand({ PolicyArn: arn }));
      return out.$metadata?.requestId ?? null;
    } catch (e) {
      if (isGone(e)) return null;
      throw e;
    }
  }

  async versionText(arn: string, version: string): Promise<string | null> {
    try {
      const out = await this.call<{ PolicyVersion?: { Document?: string } }>(
        'iam:GetPolicyVersion',
        new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: version }),
      );
      return decode(out.PolicyVersion?.Document, 'iam:GetPolicyVersion');
    } catch (e) {
      if (isGone(e)) return null;
      throw e;
    }
  }

  async versions(arn: string): Promise<PolicyVersionInfo[]> {
    const out = await this.call<{
      Versions?: { VersionId?: string; IsDefaultVersion?: boolean; CreateDate?: Date }[];
    }>('iam:ListPolicyVersions', new ListPolicyVersionsCommand({ PolicyArn: arn }));
    return (out.Versions ?? [])
      .filter((v) => v.VersionId)
      .map((v) => ({
        id: v.VersionId!,
        isDefault: Boolean(v.IsDefaultVersion),
        createdAt: v.CreateDate ? v.CreateDate.toISOString() : null,
      }));
  }

  async createDefaultVersion(
    arn: string,
    text: string,
  ): Promise<{ version: string; requestId: string | null }> {
    const out = await this.call<{ PolicyVersion?: { VersionId?: string } }>(
      'iam:CreatePolicyVersion',
      new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: text, SetAsDefault: true }),
    );
    const v = out.PolicyVersion?.VersionId;
    if (!v) throw invalid('iam:CreatePolicyVersion', 'no version id');
    return { version: v, requestId: out.$metadata?.requestId ?? null };
  }

  async setDefault(arn: string, version: string): Promise<string | null> {
    const out = await this.call(
      'iam:SetDefaultPolicyVersion',
      new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: version }),
    );
    return out.$metadata?.requestId ?? null;
  }

  async deleteVersion(arn: string, version: string): Promise<string | null> {
    try {
      const out = await this.call(
        'iam:DeletePolicyVersion',
        new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: version }),
      );
      return out.$metadata?.requestId ?? null;
    } catch (e) {
      if (isGone(e)) return null;
      throw e;
    }
  }
}
