/**
 * The only module that imports the AWS SDK: credentials, endpoints, retries, pagination,
 * polling, and turning SDK errors into AwsCallError (with `denied` for access-denied, which
 * callers record as a coverage gap). One AwsSession per account; it counts the API calls.
 */
import {
  IAMClient,
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GenerateCredentialReportCommand,
  GenerateServiceLastAccessedDetailsCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountAuthorizationDetailsCommand,
  GetCredentialReportCommand,
  GetServiceLastAccessedDetailsCommand,
  ListAccessKeysCommand,
  ListAccountAliasesCommand,
  ListGroupsCommand,
  ListRolesCommand,
  ListUsersCommand,
  SimulatePrincipalPolicyCommand,
  UpdateAccessKeyCommand,
  type GetAccountAuthorizationDetailsCommandOutput,
} from '@aws-sdk/client-iam';
import { STSClient, AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import {
  OrganizationsClient,
  DescribeOrganizationCommand,
  ListAccountsCommand,
} from '@aws-sdk/client-organizations';
import {
  SecretsManagerClient,
  CreateSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { getMaxListeners, setMaxListeners } from 'node:events';
import type { AwsSettings } from './options.js';
import type { RawAccessKey, RawGroup, RawManagedPolicy, RawRole, RawUser } from './map.js';

/* ------------------------------------------------------------------ errors */

const DENIED_CODES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthorizationError',
]);
const AUTH_CODES = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'CredentialsProviderError',
]);

/** An AWS call that failed after the SDK's retries; never carries request payloads. */
export class AwsCallError extends Error {
  override name = 'AwsCallError';
  constructor(
    readonly action: string,
    readonly code: string,
    readonly status: number | null,
    message: string,
  ) {
    super(`${action}: ${code}${message ? ` (${message})` : ''}`);
  }
  /** Permission missing for this call: the scan records a gap and goes on. */
  get denied(): boolean {
    return DENIED_CODES.has(this.code) || (this.status === 403 && !AUTH_CODES.has(this.code));
  }
  /** The credentials themselves are bad or missing: nothing in this scope can work. */
  get authentication(): boolean {
    return AUTH_CODES.has(this.code);
  }
}

function toCallError(action: string, e: unknown): AwsCallError {
  if (e instanceof AwsCallError) return e;
  const err = e as {
    name?: string;
    Code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const code = err.Code ?? err.name ?? 'Error';
  // SDK messages for service errors come from the service; they never contain our secrets.
  return new AwsCallError(
    action,
    code,
    err.$metadata?.httpStatusCode ?? null,
    (err.message ?? '').slice(0, 300),
  );
}

/* ------------------------------------------------------------------ credentials */

export type Credentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

/**
 * Static keys from the connector's env first (so tests and the demo never see the real
 * environment), then the SDK's default chain (profile, SSO, web identity, IMDS…).
 */
export function baseCredentials(
  settings: AwsSettings,
  env: Readonly<Record<string, string | undefined>>,
): Credentials {
  if (!settings.profile && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  }
  const profile = settings.profile ?? env.AWS_PROFILE;
  return fromNodeProviderChain({
    ...(profile ? { profile } : {}),
    clientConfig: { region: settings.region },
  });
}

/* ------------------------------------------------------------------ session */

export interface CallerIdentity {
  account: string;
  arn: string;
}

export interface OrgAccount {
  id: string;
  name: string;
  state: string;
}

export interface ServiceAccessRow {
  ServiceNamespace?: string;
  LastAuthenticated?: Date;
}

export interface AuthorizationDetails {
  users: RawUser[];
  roles: RawRole[];
  groups: RawGroup[];
  policies: RawManagedPolicy[];
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => (clearTimeout(t), reject(signal!.reason));
    const t = setTimeout(() => (signal?.removeEventListener('abort', onAbort), resolve()), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

type Sendable = {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
};

export class AwsSession {
  /** API requests made through this session (after SDK retries: one per logical call). */
  calls = 0;
  private readonly common: Record<string, unknown>;
  private _iam?: IAMClient;
  private _sts?: STSClient;
  private _org?: OrganizationsClient;
  private _sm?: SecretsManagerClient;

  constructor(
    readonly settings: AwsSettings,
    readonly credentials: Credentials,
    private readonly signal?: AbortSignal,
  ) {
    // Every in-flight request listens on the scan's signal; bounded concurrency keeps this finite.
    if (signal && getMaxListeners(signal) < 256) setMaxListeners(256, signal);
    this.common = {
      region: settings.region,
      credentials,
      maxAttempts: settings.maxAttempts,
      retryMode: settings.retryMode,
      // A request that gets no answer fails (and is retried) instead of hanging the scan.
      requestHandler: {
        requestTimeout: settings.timeoutMs,
        connectionTimeout: Math.min(settings.timeoutMs, 10_000),
      },
    };
  }

  private get iam(): IAMClient {
    return (this._iam ??= new IAMClient({
      ...this.common,
      ...(this.settings.endpoints.iam ? { endpoint: this.settings.endpoints.iam } : {}),
    }));
  }
  private get sts(): STSClient {
    return (this._sts ??= new STSClient({
      ...this.common,
      ...(this.settings.endpoints.sts ? { endpoint: this.settings.endpoints.sts } : {}),
    }));
  }
  private get org(): OrganizationsClient {
    return (this._org ??= new OrganizationsClient({
      ...this.common,
      ...(this.settings.endpoints.organizations
        ? { endpoint: this.settings.endpoints.organizations }
        : {}),
    }));
  }
  private get sm(): SecretsManagerClient {
    return (this._sm ??= new SecretsManagerClient({
      ...this.common,
      ...(this.settings.endpoints.secretsManager
        ? { endpoint: this.settings.endpoints.secretsManager }
        : {}),
    }));
  }

  private async call<T>(action: string, client: Sendable, command: unknown): Promise<T> {
    this.calls += 1;
    try {
      return (await client.send(command, { abortSignal: this.signal })) as T;
    } catch (e) {
      if (this.signal?.aborted) throw e;
      throw toCallError(action, e);
    }
  }

  close(): void {
    this._iam?.destroy();
    this._sts?.destroy();
    this._org?.destroy();
    this._sm?.destroy();
  }

  /* ---------------- STS */

  async callerIdentity(): Promise<CallerIdentity> {
    const out = await this.call<{ Account?: string; Arn?: string }>(
      'sts:GetCallerIdentity',
      this.sts,
      new GetCallerIdentityCommand({}),
    );
    if (!out.Account || !out.Arn)
      throw new AwsCallError(
        'sts:GetCallerIdentity',
        'InvalidResponse',
        null,
        'no Account/Arn in the reply',
      );
    return { account: out.Account, arn: out.Arn };
  }

  /**
   * A session in another account through AssumeRole. The credentials refresh themselves
   * five minutes before they expire, so a long scan (role chaining caps sessions at 1 h) goes on.
   */
  async assume(
    accountId: string,
    roleName: string,
    externalId: string | undefined,
  ): Promise<AwsSession> {
    const RoleArn = `arn:aws:iam::${accountId}:role/${roleName}`;
    let cached: AwsCredentialIdentity | null = null;
    const fetchCreds = async (): Promise<AwsCredentialIdentity> => {
      const out = await this.call<{
        Credentials?: {
          AccessKeyId?: string;
          SecretAccessKey?: string;
          SessionToken?: string;
          Expiration?: Date;
        };
      }>(
        'sts:AssumeRole',
        this.sts,
        new AssumeRoleCommand({
          RoleArn,
          RoleSessionName: 'nhi-scan',
          DurationSeconds: 3600,
          ...(externalId ? { ExternalId: externalId } : {}),
        }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey)
        throw new AwsCallError(
          'sts:AssumeRole',
          'InvalidResponse',
          null,
          'no credentials in the reply',
        );
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
    };
    cached = await fetchCreds();
    const provider: AwsCredentialIdentityProvider = async () => {
      if (cached?.expiration && cached.expiration.getTime() - Date.now() < 5 * 60_000)
        cached = await fetchCreds();
      return cached!;
    };
    return new AwsSession(this.settings, provider, this.signal);
  }

  /* ---------------- Organizations */

  async describeOrganization(): Promise<{ masterAccountId: string | null }> {
    const out = await this.call<{ Organization?: { MasterAccountId?: string } }>(
      'organizations:DescribeOrganization',
      this.org,
      new DescribeOrganizationCommand({}),
    );
    return { masterAccountId: out.Organization?.MasterAccountId ?? null };
  }

  async listAccounts(): Promise<OrgAccount[]> {
    const accounts: OrgAccount[] = [];
    let token: string | undefined;
    const seen = new Set<string>();
    do {
      const out = await this.call<{
        Accounts?: { Id?: string; Name?: string; State?: string; Status?: string }[];
        NextToken?: string;
      }>(
        'organizations:ListAccounts',
        this.org,
        new ListAccountsCommand({
          NextToken: token,
          ...(this.settings.pageSize ? { MaxResults: Math.min(20, this.settings.pageSize) } : {}),
        }),
      );
      for (const a of out.Accounts ?? [])
        if (a.Id)
          accounts.push({ id: a.Id, name: a.Name ?? a.Id, state: a.State ?? a.Status ?? 'ACTIVE' });
      token = out.NextToken;
      if (token && seen.has(token)) break; // a server repeating its token would loop forever
      if (token) seen.add(token);
    } while (token);
    return accounts;
  }

  /* ---------------- IAM: bulk reads */

  async accountAlias(): Promise<string | null> {
    const out = await this.call<{ AccountAliases?: string[] }>(
      'iam:ListAccountAliases',
      this.iam,
      new ListAccountAliasesCommand({}),
    );
    return out.AccountAliases?.[0] ?? null;
  }

  /**
   * The credential report CSV. Generation is asynchronous: ReportInProgress means "ask again",
   * ReportNotPresent/ReportExpired mean "generate first". Polls every pollIntervalMs.
   */
  async credentialReport(
    onWait?: (polls: number) => void,
  ): Promise<{ csv: string; generatedAt: string | null }> {
    const deadline = Date.now() + this.settings.pollTimeoutMs;
    let generated = false;
    let polls = 0;
    const generate = async () => {
      await this.call(
        'iam:GenerateCredentialReport',
        this.iam,
        new GenerateCredentialReportCommand({}),
      );
      generated = true;
    };
    await generate();
    for (;;) {
      try {
        const out = await this.call<{ Content?: Uint8Array; GeneratedTime?: Date }>(
          'iam:GetCredentialReport',
          this.iam,
          new GetCredentialReportCommand({}),
        );
        if (!out.Content)
          throw new AwsCallError(
            'iam:GetCredentialReport',
            'InvalidResponse',
            null,
            'report has no Content',
          );
        return {
          csv: Buffer.from(out.Content).toString('utf8'),
          generatedAt: out.GeneratedTime?.toISOString() ?? null,
        };
      } catch (e) {
        const err = toCallError('iam:GetCredentialReport', e);
        const code = err.code.replace(/Exception$/, '');
        if (
          code !== 'ReportInProgress' &&
          code !== 'ReportNotPresent' &&
          code !== 'ReportExpired' &&
          code !== 'CredentialReportNotPresent' &&
          code !== 'CredentialReportExpired' &&
          code !== 'CredentialReportNotReady'
        )
          throw err;
        if (Date.now() > deadline)
          throw new AwsCallError(
            'iam:GetCredentialReport',
            code,
            err.status,
            'report still not ready when the poll timeout ran out',
          );
        if (code !== 'ReportInProgress' && code !== 'CredentialReportNotReady' && !generated)
          await generate();
        else if (code !== 'ReportInProgress' && code !== 'CredentialReportNotReady') {
          // Generated but missing/expired: generate once more.
          await generate();
        }
        polls += 1;
        onWait?.(polls);
        await sleep(this.settings.pollIntervalMs, this.signal);
      }
    }
  }

  /** GetAccountAuthorizationDetails, every page (Marker/MaxItems). */
  async authorizationDetails(onPage?: (pages: number) => void): Promise<AuthorizationDetails> {
    const out: AuthorizationDetails = { users: [], roles: [], groups: [], policies: [] };
    let marker: string | undefined;
    let pages = 0;
    const seen = new Set<string>();
    do {
      const page = await this.call<GetAccountAuthorizationDetailsCommandOutput>(
        'iam:GetAccountAuthorizationDetails',
        this.iam,
        new GetAccountAuthorizationDetailsCommand({
          Filter: ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'],
          Marker: marker,
          ...(this.settings.pageSize ? { MaxItems: this.settings.pageSize } : {}),
        }),
      );
      out.users.push(...(page.UserDetailList ?? []));
      out.roles.push(...(page.RoleDetailList ?? []));
      out.groups.push(...(page.GroupDetailList ?? []));
      out.policies.push(...(page.Policies ?? []));
      marker = page.IsTruncated ? page.Marker : undefined;
      if (marker && seen.has(marker)) break;
      if (marker) seen.add(marker);
      onPage?.(++pages);
    } while (marker);
    return out;
  }

  /** Probe for doctor: one GAAD item. */
  async authorizationDetailsProbe(): Promise<void> {
    await this.call(
      'iam:GetAccountAuthorizationDetails',
      this.iam,
      new GetAccountAuthorizationDetailsCommand({ Filter: ['User'], MaxItems: 1 }),
    );
  }

  private async paginate<T>(
    action: string,
    make: (marker: string | undefined) => unknown,
    pick: (o: never) => T[] | undefined,
  ): Promise<T[]> {
    const items: T[] = [];
    let marker: string | undefined;
    const seen = new Set<string>();
    do {
      const out = await this.call<{ IsTruncated?: boolean; Marker?: string }>(
        action,
        this.iam,
        make(marker),
      );
      items.push(...(pick(out as never) ?? []));
      marker = out.IsTruncated ? out.Marker : undefined;
      if (marker && seen.has(marker)) break; // some emulators ignore paging and repeat the marker
      if (marker) seen.add(marker);
    } while (marker);
    return items;
  }

  private get maxItems() {
    return this.settings.pageSize ? { MaxItems: this.settings.pageSize } : {};
  }

  /** Fallback listings when GAAD is denied (no policies, no RoleLastUsed). */
  listUsers(): Promise<RawUser[]> {
    return this.paginate(
      'iam:ListUsers',
      (Marker) => new ListUsersCommand({ Marker, ...this.maxItems }),
      (o: { Users?: RawUser[] }) => o.Users,
    );
  }
  listRoles(): Promise<RawRole[]> {
    return this.paginate(
      'iam:ListRoles',
      (Marker) => new ListRolesCommand({ Marker, ...this.maxItems }),
      (o: { Roles?: RawRole[] }) => o.Roles,
    );
  }
  listGroups(): Promise<RawGroup[]> {
    return this.paginate(
      'iam:ListGroups',
      (Marker) => new ListGroupsCommand({ Marker, ...this.maxItems }),
      (o: { Groups?: RawGroup[] }) => o.Groups,
    );
  }

  listAccessKeys(userName: string): Promise<RawAccessKey[]> {
    return this.paginate(
      'iam:ListAccessKeys',
      (Marker) => new ListAccessKeysCommand({ UserName: userName, Marker, ...this.maxItems }),
      (o: { AccessKeyMetadata?: RawAccessKey[] }) => o.AccessKeyMetadata,
    );
  }

  async accessKeyLastUsed(accessKeyId: string): Promise<{
    userName: string | null;
    lastUsedAt: string | null;
    service: string | null;
    region: string | null;
  }> {
    const out = await this.call<{
      UserName?: string;
      AccessKeyLastUsed?: { LastUsedDate?: Date; ServiceName?: string; Region?: string };
    }>(
      'iam:GetAccessKeyLastUsed',
      this.iam,
      new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }),
    );
    const u = out.AccessKeyLastUsed;
    const na = (v: string | undefined) => (v && v !== 'N/A' ? v : null);
    return {
      userName: out.UserName ?? null,
      lastUsedAt: u?.LastUsedDate?.toISOString() ?? null,
      service: na(u?.ServiceName),
      region: na(u?.Region),
    };
  }

  /* ---------------- IAM: Access Advisor */

  async startServiceLastAccessed(arn: string): Promise<string> {
    const out = await this.call<{ JobId?: string }>(
      'iam:GenerateServiceLastAccessedDetails',
      this.iam,
      new GenerateServiceLastAccessedDetailsCommand({ Arn: arn, Granularity: 'SERVICE_LEVEL' }),
    );
    if (!out.JobId)
      throw new AwsCallError(
        'iam:GenerateServiceLastAccessedDetails',
        'InvalidResponse',
        null,
        'no JobId',
      );
    return out.JobId;
  }

  /** Service last-accessed rows for one principal: generate, poll, then follow Marker by hand (no paginator exists). */
  async serviceLastAccessed(arn: string): Promise<ServiceAccessRow[]> {
    const jobId = await this.startServiceLastAccessed(arn);
    const deadline = Date.now() + this.settings.pollTimeoutMs;
    const rows: ServiceAccessRow[] = [];
    let marker: string | undefined;
    for (;;) {
      const out = await this.call<{
        JobStatus?: string;
        ServicesLastAccessed?: ServiceAccessRow[];
        IsTruncated?: boolean;
        Marker?: string;
        Error?: { Message?: string; Code?: string };
      }>(
        'iam:GetServiceLastAccessedDetails',
        this.iam,
        new GetServiceLastAccessedDetailsCommand({
          JobId: jobId,
          Marker: marker,
          ...this.maxItems,
        }),
      );
      if (out.JobStatus === 'FAILED')
        throw new AwsCallError(
          'iam:GetServiceLastAccessedDetails',
          out.Error?.Code ?? 'JobFailed',
          null,
          out.Error?.Message ?? 'job failed',
        );
      if (out.JobStatus !== 'COMPLETED') {
        if (Date.now() > deadline)
          throw new AwsCallError(
            'iam:GetServiceLastAccessedDetails',
            'Timeout',
            null,
            'job still in progress',
          );
        await sleep(this.settings.pollIntervalMs, this.signal);
        continue;
      }
      rows.push(...(out.ServicesLastAccessed ?? []));
      if (!out.IsTruncated || !out.Marker || out.Marker === marker) return rows;
      marker = out.Marker;
    }
  }

  /* ---------------- IAM: policy simulation (doctor) */

  /**
   * EvalDecision per action for `principalArn` (a user or role ARN) over every resource:
   * 'allowed' | 'implicitDeny' | 'explicitDeny'. Changes nothing in the account.
   */
  async simulatePrincipalPolicy(
    principalArn: string,
    actions: string[],
  ): Promise<Record<string, string>> {
    const decisions: Record<string, string> = {};
    let marker: string | undefined;
    const seen = new Set<string>();
    do {
      const out = await this.call<{
        EvaluationResults?: { EvalActionName?: string; EvalDecision?: string }[];
        IsTruncated?: boolean;
        Marker?: string;
      }>(
        'iam:SimulatePrincipalPolicy',
        this.iam,
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: principalArn,
          ActionNames: actions,
          Marker: marker,
        }),
      );
      for (const r of out.EvaluationResults ?? [])
        if (r.EvalActionName) decisions[r.EvalActionName] = r.EvalDecision ?? 'implicitDeny';
      marker = out.IsTruncated ? out.Marker : undefined;
      if (marker && seen.has(marker)) break;
      if (marker) seen.add(marker);
    } while (marker);
    return decisions;
  }

  /* ---------------- IAM: writes (playbooks) */

  async createAccessKey(
    userName: string,
  ): Promise<{ key: RawAccessKey; secretAccessKey: string; requestId: string | null }> {
    const out = await this.call<{
      AccessKey?: RawAccessKey & { SecretAccessKey?: string };
      $metadata?: { requestId?: string };
    }>('iam:CreateAccessKey', this.iam, new CreateAccessKeyCommand({ UserName: userName }));
    const k = out.AccessKey;
    if (!k?.AccessKeyId || !k.SecretAccessKey)
      throw new AwsCallError('iam:CreateAccessKey', 'InvalidResponse', null, 'no key in the reply');
    const { SecretAccessKey, ...key } = k;
    return { key, secretAccessKey: SecretAccessKey, requestId: out.$metadata?.requestId ?? null };
  }

  async updateAccessKey(
    userName: string,
    accessKeyId: string,
    status: 'Active' | 'Inactive',
  ): Promise<string | null> {
    const out = await this.call<{ $metadata?: { requestId?: string } }>(
      'iam:UpdateAccessKey',
      this.iam,
      new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: status }),
    );
    return out.$metadata?.requestId ?? null;
  }

  async deleteAccessKey(userName: string, accessKeyId: string): Promise<string | null> {
    const out = await this.call<{ $metadata?: { requestId?: string } }>(
      'iam:DeleteAccessKey',
      this.iam,
      new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId }),
    );
    return out.$metadata?.requestId ?? null;
  }

  /* ---------------- Secrets Manager (sink) */

  /**
   * Stores `value` as the secret's new AWSCURRENT version (creating the secret if needed).
   * `token` becomes the version id (ClientRequestToken): a retry with it is idempotent, and the
   * version can later be told apart from any other.
   */
  async putSecret(
    name: string,
    value: string,
    token: string,
  ): Promise<{ versionId: string | null; requestId: string | null }> {
    try {
      const out = await this.call<{ VersionId?: string; $metadata?: { requestId?: string } }>(
        'secretsmanager:PutSecretValue',
        this.sm,
        new PutSecretValueCommand({
          SecretId: name,
          SecretString: value,
          ClientRequestToken: token,
        }),
      );
      return { versionId: out.VersionId ?? null, requestId: out.$metadata?.requestId ?? null };
    } catch (e) {
      if (!(e instanceof AwsCallError) || e.code !== 'ResourceNotFoundException') throw e;
    }
    const out = await this.call<{ VersionId?: string; $metadata?: { requestId?: string } }>(
      'secretsmanager:CreateSecret',
      this.sm,
      new CreateSecretCommand({
        Name: name,
        SecretString: value,
        ClientRequestToken: token,
        Description: 'Written by nhi rotation',
      }),
    );
    return { versionId: out.VersionId ?? null, requestId: out.$metadata?.requestId ?? null };
  }

  /** Version id -> staging labels; null when the reply carries no such map (not a proof). */
  async secretStages(name: string): Promise<Record<string, string[]> | null> {
    const out = await this.call<{ VersionIdsToStages?: Record<string, string[]> }>(
      'secretsmanager:DescribeSecret',
      this.sm,
      new DescribeSecretCommand({ SecretId: name }),
    );
    return out.VersionIdsToStages ?? null;
  }
}
