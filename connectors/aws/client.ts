/**
 * The only module that imports the AWS SDK: credentials, endpoints, the SDK's own retries and
 * timeouts, its paginators, and the wire rules (wire.ts) on every client. One AwsSession per
 * account; it counts the HTTP requests it sends. Every answer is checked against what the
 * operation must return (schema.ts) and every failure is an ApiError.
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
  ListAccountAliasesCommand,
  ListServiceSpecificCredentialsCommand,
  UpdateAccessKeyCommand,
  paginateGetAccountAuthorizationDetails,
  paginateListAccessKeys,
  paginateListGroups,
  paginateListRoles,
  paginateListUsers,
  paginateSimulatePrincipalPolicy,
  type GetServiceLastAccessedDetailsCommandInput,
  type GetServiceLastAccessedDetailsCommandOutput,
  type ListServiceSpecificCredentialsCommandInput,
} from '@aws-sdk/client-iam';
import { STSClient, AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { OrganizationsClient, paginateListAccounts } from '@aws-sdk/client-organizations';
import {
  SecretsManagerClient,
  CreateSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import {
  CloudTrailClient,
  paginateLookupEvents,
  type Event as CloudTrailEvent,
  type LookupEventsCommandOutput,
} from '@aws-sdk/client-cloudtrail';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { createPaginator } from '@smithy/core';
import { NodeHttpHandler, type NodeHttpHandlerOptions } from '@smithy/node-http-handler';
import type { HttpHandlerOptions } from '@smithy/types';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { getMaxListeners, setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, OriginPin, isApiError, parsePayload } from '../../src/connector/index.js';
import type { AwsSettings } from './options.js';
import {
  answers,
  type AnswerName,
  type AuthorizationDetails,
  type RawAccessKey,
  type RawGroup,
  type RawRole,
  type RawServiceAccess,
  type RawServiceCredential,
  type RawUser,
} from './schema.js';
import { toApiError, wirePlugin, type Protocol } from './wire.js';

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

export interface CredentialReport {
  csv: string;
  generatedAt: string;
  /** GenerateCredentialReport started a new report for this request (it is not AWS's cached copy). */
  generatedForUs: boolean;
}

/** ListServiceSpecificCredentials has no paginator in the SDK: one made the SDK's own way. */
const paginateListServiceSpecificCredentials = createPaginator<
  { client: IAMClient; pageSize?: number },
  ListServiceSpecificCredentialsCommandInput,
  { ServiceSpecificCredentials?: RawServiceCredential[]; Marker?: string }
>(IAMClient, ListServiceSpecificCredentialsCommand, 'Marker', 'Marker', 'MaxItems');

/** Reports that mean "generate it (again)" or "not ready yet". */
const REPORT_MISSING =
  /^(ReportNotPresent|ReportExpired|CredentialReportNotPresent|CredentialReportExpired)(Exception)?$/;
const REPORT_PENDING = /^(ReportInProgress|CredentialReportNotReady)(Exception)?$/;

type Sendable = { send(command: unknown): Promise<unknown> };

/**
 * Node's HTTP handler with the session's abort signal on every request. Commands are sent
 * without per-call options so that the SDK resolves each command's middleware stack once per
 * client (`cacheMiddleware`) instead of once per request (about a fifth of its CPU per call);
 * the scan's signal reaches the socket here instead, and the retry backoff through the wire
 * plugin (wire.ts).
 */
class SignalledHttpHandler extends NodeHttpHandler {
  constructor(
    options: NodeHttpHandlerOptions,
    private readonly signal: AbortSignal | undefined,
  ) {
    super(options);
  }
  override handle(
    request: Parameters<NodeHttpHandler['handle']>[0],
    options: HttpHandlerOptions = {},
  ) {
    return super.handle(request, { ...options, abortSignal: options.abortSignal ?? this.signal });
  }
}

export type { AuthorizationDetails };

export class AwsSession {
  /** HTTP requests sent through this session, retries included. */
  calls = 0;
  private readonly common: Record<string, unknown>;
  private readonly handlerOptions: NodeHttpHandlerOptions;
  private readonly clients: { destroy(): void }[] = [];
  private _iam?: IAMClient;
  private _sts?: STSClient;
  private _org?: OrganizationsClient;
  private _sm?: SecretsManagerClient;
  private _trail?: CloudTrailClient;

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
      cacheMiddleware: true,
    };
    this.handlerOptions = {
      // A request that gets no answer fails (and is retried) instead of hanging the scan.
      requestTimeout: settings.timeoutMs,
      // Without it the handler only logs a warning when requestTimeout passes.
      throwOnRequestTimeout: true,
      // A body that stops arriving half-way times out too.
      socketTimeout: settings.timeoutMs,
      connectionTimeout: Math.min(settings.timeoutMs, 10_000),
    };
  }

  /** A client for one service with the wire rules; built on first use. */
  private make<C extends { middlewareStack: { use(p: unknown): void }; destroy(): void }>(
    Ctor: new (config: Record<string, unknown>) => C,
    service: string,
    protocol: Protocol,
    endpoint: string | undefined,
    config: Record<string, unknown> = {},
  ): C {
    const client = new Ctor({
      ...this.common,
      requestHandler: new SignalledHttpHandler(this.handlerOptions, this.signal),
      ...config,
      ...(endpoint ? { endpoint } : {}),
    });
    // Added before the first send: the cached middleware stack includes it.
    client.middlewareStack.use(
      wirePlugin({
        service,
        protocol,
        pin: endpoint ? new OriginPin('aws', [endpoint]) : null,
        voidActions: VOID_ACTIONS,
        onRequest: () => (this.calls += 1),
        ...(this.signal ? { signal: this.signal } : {}),
      }),
    );
    this.clients.push(client);
    return client;
  }

  private get iam(): IAMClient {
    return (this._iam ??= this.make(IAMClient, 'iam', 'query', this.settings.endpoints.iam));
  }
  private get sts(): STSClient {
    return (this._sts ??= this.make(STSClient, 'sts', 'query', this.settings.endpoints.sts));
  }
  private get org(): OrganizationsClient {
    return (this._org ??= this.make(
      OrganizationsClient,
      'organizations',
      'json',
      this.settings.endpoints.organizations,
    ));
  }
  private get sm(): SecretsManagerClient {
    return (this._sm ??= this.make(
      SecretsManagerClient,
      'secretsmanager',
      'json',
      this.settings.endpoints.secretsManager,
    ));
  }

  /**
   * CloudTrail in us-east-1, where IAM (a global service) records its events. The SDK's own
   * retries stay on: a throttled LookupEvents waits and is sent again.
   */
  private get trail(): CloudTrailClient {
    return (this._trail ??= this.make(
      CloudTrailClient,
      'cloudtrail',
      'json',
      this.settings.endpoints.cloudtrail,
      { region: 'us-east-1' },
    ));
  }

  close(): void {
    for (const c of this.clients) c.destroy();
  }

  /* ---------------- CloudTrail */

  /**
   * Events named `eventName` between `start` and `end`, newest first, through the SDK's
   * paginator: at most `maxPages` pages of 50, and `turn()` awaited before each page is asked
   * for (the caller's rate limit). `truncated` says more pages were left unread.
   */
  async lookupEvents(
    eventName: string,
    start: Date,
    end: Date,
    maxPages: number,
    turn: () => Promise<void>,
  ): Promise<{ events: CloudTrailEvent[]; truncated: boolean }> {
    const operation = 'cloudtrail:LookupEvents';
    const events: CloudTrailEvent[] = [];
    const seen = new Set<string>();
    try {
      const pages = paginateLookupEvents(
        { client: this.trail, pageSize: 50 },
        {
          LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: eventName }],
          StartTime: start,
          EndTime: end,
        },
      )[Symbol.asyncIterator]();
      for (let n = 0; n < maxPages; n += 1) {
        await turn();
        const page = await pages.next();
        if (page.done) return { events, truncated: false };
        const out: LookupEventsCommandOutput = page.value;
        parsePayload(answers.LookupEvents, out, { provider: 'aws', operation });
        events.push(...(out.Events ?? []));
        if (!out.NextToken) return { events, truncated: false };
        if (seen.has(out.NextToken))
          throw new ApiError({
            provider: 'aws',
            operation,
            kind: 'invalid-response',
            code: 'RepeatedMarker',
            detail: 'the same page marker came back twice',
          });
        seen.add(out.NextToken);
      }
      return { events, truncated: true };
    } catch (e) {
      throw this.failure(operation, e);
    }
  }

  /** One call; its answer checked against what `name` must return when a schema names it. */
  private async call<T>(
    operation: string,
    client: Sendable,
    command: unknown,
    name?: AnswerName,
  ): Promise<T> {
    try {
      const out = await client.send(command);
      if (name) parsePayload(answers[name], out, { provider: 'aws', operation });
      return out as T;
    } catch (e) {
      throw this.failure(operation, e);
    }
  }

  /** Every page of a paginator, each checked; a marker that comes back twice is not an answer. */
  private async *pages<P extends object>(
    operation: string,
    name: AnswerName,
    iterate: () => AsyncIterable<P>,
    marker: (page: P) => string | undefined,
  ): AsyncGenerator<P> {
    const seen = new Set<string>();
    try {
      for await (const page of iterate()) {
        parsePayload(answers[name], page, { provider: 'aws', operation });
        const next = marker(page);
        if (next && seen.has(next))
          throw new ApiError({
            provider: 'aws',
            operation,
            kind: 'invalid-response',
            code: 'RepeatedMarker',
            detail: 'the same page marker came back twice',
          });
        if (next) seen.add(next);
        yield page;
      }
    } catch (e) {
      throw this.failure(operation, e);
    }
  }

  /** Every item of every page. */
  private async all<P extends object, T>(
    operation: string,
    name: AnswerName,
    iterate: () => AsyncIterable<P>,
    items: (page: P) => T[] | undefined,
    marker: (page: P) => string | undefined = (p) => (p as { Marker?: string }).Marker,
  ): Promise<T[]> {
    const out: T[] = [];
    for await (const page of this.pages(operation, name, iterate, marker))
      out.push(...(items(page) ?? []));
    return out;
  }

  private failure(operation: string, e: unknown): unknown {
    if (this.signal?.aborted) return this.signal.reason ?? e;
    return toApiError(operation, e, {
      endpoint: this.endpointFor(operation) ?? null,
      timeoutMs: this.settings.timeoutMs,
    });
  }

  /** The endpoint an operation's service is configured with (errors name it). */
  private endpointFor(operation: string): string | undefined {
    const e = this.settings.endpoints;
    const service = operation.split(':')[0];
    return service === 'sts'
      ? e.sts
      : service === 'organizations'
        ? e.organizations
        : service === 'secretsmanager'
          ? e.secretsManager
          : service === 'cloudtrail'
            ? e.cloudtrail
            : e.iam;
  }

  private get paging() {
    return {
      client: this.iam,
      ...(this.settings.pageSize ? { pageSize: this.settings.pageSize } : {}),
    };
  }

  /* ---------------- STS */

  async callerIdentity(): Promise<CallerIdentity> {
    const out = await this.call<{ Account: string; Arn: string }>(
      'sts:GetCallerIdentity',
      this.sts,
      new GetCallerIdentityCommand({}),
      'GetCallerIdentity',
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
    const fetchCreds = async (): Promise<AwsCredentialIdentity> => {
      const out = await this.call<{
        Credentials: {
          AccessKeyId: string;
          SecretAccessKey: string;
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
        'AssumeRole',
      );
      const c = out.Credentials;
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
    };
    let cached = await fetchCreds();
    const provider: AwsCredentialIdentityProvider = async () => {
      if (cached.expiration && cached.expiration.getTime() - Date.now() < 5 * 60_000)
        cached = await fetchCreds();
      return cached;
    };
    return new AwsSession(this.settings, provider, this.signal);
  }

  /* ---------------- Organizations */

  /** Every account of the organization. An organization always has one: none is no answer. */
  async listAccounts(): Promise<OrgAccount[]> {
    const operation = 'organizations:ListAccounts';
    const listed = await this.all(
      operation,
      'ListAccounts',
      () =>
        paginateListAccounts(
          {
            client: this.org,
            ...(this.settings.pageSize ? { pageSize: Math.min(20, this.settings.pageSize) } : {}),
          },
          {},
        ),
      (p) => p.Accounts,
      (p) => p.NextToken,
    );
    const accounts = listed.map((a) => ({
      id: a.Id!,
      name: a.Name ?? a.Id!,
      state: a.State ?? a.Status ?? 'ACTIVE',
    }));
    if (!accounts.length)
      throw new ApiError({
        provider: 'aws',
        operation,
        kind: 'invalid-response',
        code: 'InvalidResponse',
        detail: 'no accounts in the answer (an organization has at least its management account)',
      });
    return accounts;
  }

  /* ---------------- IAM: bulk reads */

  async accountAlias(): Promise<string | null> {
    const out = await this.call<{ AccountAliases: string[] }>(
      'iam:ListAccountAliases',
      this.iam,
      new ListAccountAliasesCommand({}),
      'ListAccountAliases',
    );
    return out.AccountAliases[0] ?? null;
  }

  /**
   * The credential report CSV. Generation is asynchronous: ReportInProgress means "ask again",
   * ReportNotPresent/ReportExpired mean "generate first". Polls every pollIntervalMs.
   */
  async credentialReport(onWait?: (polls: number) => void): Promise<CredentialReport> {
    const deadline = Date.now() + this.settings.pollTimeoutMs;
    let generatedForUs = false;
    const generate = async () => {
      const out = await this.call<{ State: string }>(
        'iam:GenerateCredentialReport',
        this.iam,
        new GenerateCredentialReportCommand({}),
        'GenerateCredentialReport',
      );
      // STARTED: a new report for this request. COMPLETE: AWS's copy of up to 4 hours ago.
      generatedForUs ||= out.State === 'STARTED';
    };
    await generate();
    for (let polls = 1; ; polls += 1) {
      try {
        const out = await this.call<{ Content: Uint8Array; GeneratedTime: Date }>(
          'iam:GetCredentialReport',
          this.iam,
          new GetCredentialReportCommand({}),
          'GetCredentialReport',
        );
        return {
          csv: Buffer.from(out.Content).toString('utf8'),
          generatedAt: out.GeneratedTime.toISOString(),
          generatedForUs,
        };
      } catch (e) {
        if (
          !isApiError(e) ||
          !e.code ||
          !(REPORT_MISSING.test(e.code) || REPORT_PENDING.test(e.code))
        )
          throw e;
        if (Date.now() > deadline)
          throw new ApiError({
            provider: 'aws',
            operation: 'iam:GetCredentialReport',
            kind: 'timeout',
            code: e.code,
            detail: 'report still not ready when the poll timeout ran out',
          });
        if (REPORT_MISSING.test(e.code)) await generate();
        onWait?.(polls);
        await sleep(this.settings.pollIntervalMs, undefined, { signal: this.signal });
      }
    }
  }

  /**
   * GetAccountAuthorizationDetails, every page; `onPage` gets each page as it arrives (and how
   * many have), so the principals' own reads can start before the last page.
   */
  async authorizationDetails(
    onPage?: (pages: number, page: AuthorizationDetails) => void,
  ): Promise<AuthorizationDetails> {
    const out: AuthorizationDetails = { users: [], roles: [], groups: [], policies: [] };
    let pages = 0;
    for await (const page of this.pages(
      'iam:GetAccountAuthorizationDetails',
      'GetAccountAuthorizationDetails',
      () =>
        paginateGetAccountAuthorizationDetails(this.paging, {
          Filter: ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'],
        }),
      (p) => p.Marker,
    )) {
      const got: AuthorizationDetails = {
        users: page.UserDetailList ?? [],
        roles: page.RoleDetailList ?? [],
        groups: page.GroupDetailList ?? [],
        policies: page.Policies ?? [],
      };
      out.users.push(...got.users);
      out.roles.push(...got.roles);
      out.groups.push(...got.groups);
      out.policies.push(...got.policies);
      onPage?.(++pages, got);
    }
    return out;
  }

  /** Probe for doctor: one GAAD item. */
  async authorizationDetailsProbe(): Promise<void> {
    await this.call(
      'iam:GetAccountAuthorizationDetails',
      this.iam,
      new GetAccountAuthorizationDetailsCommand({ Filter: ['User'], MaxItems: 1 }),
      'GetAccountAuthorizationDetails',
    );
  }

  /** Fallback listings when GAAD is denied (no policies, no RoleLastUsed). */
  async listUsers(): Promise<RawUser[]> {
    return this.all(
      'iam:ListUsers',
      'ListUsers',
      () => paginateListUsers(this.paging, {}),
      (p) => p.Users,
    );
  }
  async listRoles(): Promise<RawRole[]> {
    return this.all(
      'iam:ListRoles',
      'ListRoles',
      () => paginateListRoles(this.paging, {}),
      (p) => p.Roles,
    );
  }
  async listGroups(): Promise<RawGroup[]> {
    return this.all(
      'iam:ListGroups',
      'ListGroups',
      () => paginateListGroups(this.paging, {}),
      (p) => p.Groups,
    );
  }

  async listAccessKeys(userName: string): Promise<RawAccessKey[]> {
    return this.all(
      'iam:ListAccessKeys',
      'ListAccessKeys',
      () => paginateListAccessKeys(this.paging, { UserName: userName }),
      (p) => p.AccessKeyMetadata,
    );
  }

  /** Bedrock/CloudWatch Logs API keys, CodeCommit and Keyspaces credentials of one user. */
  async listServiceCredentials(userName: string): Promise<RawServiceCredential[]> {
    return this.all(
      'iam:ListServiceSpecificCredentials',
      'ListServiceSpecificCredentials',
      () => paginateListServiceSpecificCredentials(this.paging, { UserName: userName }),
      (p) => p.ServiceSpecificCredentials,
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
      AccessKeyLastUsed: { LastUsedDate?: Date; ServiceName?: string; Region?: string };
    }>(
      'iam:GetAccessKeyLastUsed',
      this.iam,
      new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }),
      'GetAccessKeyLastUsed',
    );
    const u = out.AccessKeyLastUsed;
    const na = (v: string | undefined) => (v && v !== 'N/A' ? v : null);
    return {
      userName: out.UserName ?? null,
      lastUsedAt: u.LastUsedDate?.toISOString() ?? null,
      service: na(u.ServiceName),
      region: na(u.Region),
    };
  }

  /* ---------------- IAM: Access Advisor */

  async startServiceLastAccessed(arn: string): Promise<string> {
    const out = await this.call<{ JobId: string }>(
      'iam:GenerateServiceLastAccessedDetails',
      this.iam,
      new GenerateServiceLastAccessedDetailsCommand({ Arn: arn, Granularity: 'SERVICE_LEVEL' }),
      'GenerateServiceLastAccessedDetails',
    );
    return out.JobId;
  }

  /**
   * Service last-accessed rows for one principal: generate the job, then poll. The SDK has no
   * paginator for GetServiceLastAccessedDetails (its first page is also the job's status), so
   * this polls until COMPLETED and then follows Marker with a paginator made the SDK's way.
   */
  async serviceLastAccessed(arn: string): Promise<RawServiceAccess[]> {
    const operation = 'iam:GetServiceLastAccessedDetails';
    const JobId = await this.startServiceLastAccessed(arn);
    const deadline = Date.now() + this.settings.pollTimeoutMs;
    const get = () =>
      this.call<GetServiceLastAccessedDetailsCommandOutput>(
        operation,
        this.iam,
        new GetServiceLastAccessedDetailsCommand({ JobId, ...this.maxItems }),
        'GetServiceLastAccessedDetails',
      );
    let first = await get();
    while (first.JobStatus === 'IN_PROGRESS') {
      if (Date.now() > deadline)
        throw new ApiError({
          provider: 'aws',
          operation,
          kind: 'timeout',
          code: 'Timeout',
          detail: 'job still in progress when the poll timeout ran out',
        });
      await sleep(this.settings.pollIntervalMs, undefined, { signal: this.signal });
      first = await get();
    }
    if (first.JobStatus === 'FAILED')
      throw new ApiError({
        provider: 'aws',
        operation,
        kind: 'server',
        code: first.Error?.Code ?? 'JobFailed',
        detail: first.Error?.Message ?? 'job failed',
      });
    const rows = [...(first.ServicesLastAccessed ?? [])];
    if (!first.IsTruncated || !first.Marker) return rows;
    const rest = await this.all(
      operation,
      'GetServiceLastAccessedDetails',
      () => paginateServiceLastAccessed({ ...this.paging, startingToken: first.Marker }, { JobId }),
      (p) => p.ServicesLastAccessed,
    );
    return rows.concat(rest);
  }

  private get maxItems() {
    return this.settings.pageSize ? { MaxItems: this.settings.pageSize } : {};
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
    const results = await this.all(
      'iam:SimulatePrincipalPolicy',
      'SimulatePrincipalPolicy',
      () =>
        paginateSimulatePrincipalPolicy(
          { client: this.iam },
          { PolicySourceArn: principalArn, ActionNames: actions },
        ),
      (p) => p.EvaluationResults,
    );
    const decisions: Record<string, string> = {};
    for (const r of results)
      if (r.EvalActionName) decisions[r.EvalActionName] = r.EvalDecision ?? 'implicitDeny';
    return decisions;
  }

  /* ---------------- IAM: writes (playbooks) */

  async createAccessKey(
    userName: string,
  ): Promise<{ key: RawAccessKey; secretAccessKey: string; requestId: string | null }> {
    const out = await this.call<{
      AccessKey: RawAccessKey & { SecretAccessKey: string };
      $metadata?: { requestId?: string };
    }>(
      'iam:CreateAccessKey',
      this.iam,
      new CreateAccessKeyCommand({ UserName: userName }),
      'CreateAccessKey',
    );
    const { SecretAccessKey, ...key } = out.AccessKey;
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
      if (!isApiError(e) || e.code !== 'ResourceNotFoundException') throw e;
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

/** Writes whose query answer carries no Result element. */
const VOID_ACTIONS: ReadonlySet<string> = new Set(['UpdateAccessKey', 'DeleteAccessKey']);

/** GetServiceLastAccessedDetails past its first page (see serviceLastAccessed). */
const paginateServiceLastAccessed = createPaginator<
  { client: IAMClient; pageSize?: number; startingToken?: string },
  GetServiceLastAccessedDetailsCommandInput,
  GetServiceLastAccessedDetailsCommandOutput
>(IAMClient, GetServiceLastAccessedDetailsCommand, 'Marker', 'Marker', 'MaxItems');
