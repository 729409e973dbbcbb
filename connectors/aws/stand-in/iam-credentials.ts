/**
 * IAM's credentials of users: the credential report (generated at most every 4 hours, as AWS
 * does; ReportInProgress while it is being made), access keys (list, last used, create, update,
 * delete) and service-specific credentials (Bedrock API keys, CodeCommit, Keyspaces).
 */
import { randomBytes } from 'node:crypto';
import { AwsError } from './errors.js';
import type { EstateAccessKey } from './estate.js';
import { credentialReportCsv } from './credential-report.js';
import { paged, type IamHandler, type IamRequest } from './iam-request.js';
import { isoSeconds } from './query.js';
import { findKey, findUser, userArn } from './state.js';

const REPORT_LIFETIME_MS = 4 * 3600_000;

/** The user a call names, or the caller (IAM's default for these actions). */
const userOf = (r: IamRequest): string => r.params.get('UserName') ?? r.caller.split('/').pop()!;

export const CREDENTIAL_ACTIONS: Record<string, IamHandler> = {
  GenerateCredentialReport: (r) => {
    const now = r.state.now().getTime();
    const report = r.account.report;
    // AWS serves the report it made within the last 4 hours instead of a new one.
    if (report && now - Date.parse(report.generatedAt) < REPORT_LIFETIME_MS)
      return {
        State: report.pendingPolls > 0 ? 'INPROGRESS' : 'COMPLETE',
        Description: 'Report is available',
      };
    r.account.report = {
      generatedAt: r.state.now().toISOString(),
      csv: credentialReportCsv(r.a),
      pendingPolls: r.state.options.reportPendingPolls ?? 0,
    };
    return {
      State: 'STARTED',
      Description: 'No report exists. Starting a new report generation task',
    };
  },

  GetCredentialReport: (r) => {
    const report = r.account.report;
    if (!report) throw new AwsError('ReportNotPresent', 'Credential report not present', 410);
    if (r.state.now().getTime() - Date.parse(report.generatedAt) > REPORT_LIFETIME_MS)
      throw new AwsError('ReportExpired', 'Credential report expired', 410);
    if (report.pendingPolls > 0) {
      report.pendingPolls -= 1;
      throw new AwsError('ReportInProgress', 'Credential report generation in progress', 404);
    }
    return {
      Content: Buffer.from(report.csv).toString('base64'),
      ReportFormat: 'text/csv',
      GeneratedTime: isoSeconds(report.generatedAt),
    };
  },

  ListAccessKeys: (r) => {
    const u = findUser(r.a, userOf(r));
    return paged(r, u.accessKeys ?? [], 'AccessKeyMetadata', (k) => ({
      UserName: u.name,
      AccessKeyId: k.id,
      Status: k.status,
      CreateDate: isoSeconds(k.createdAt),
    }));
  },

  GetAccessKeyLastUsed: (r) => {
    const { user, key } = findKey(r.a, r.params.get('AccessKeyId') ?? '');
    return {
      UserName: user.name,
      AccessKeyLastUsed: key.lastUsedAt
        ? {
            LastUsedDate: isoSeconds(key.lastUsedAt),
            ServiceName: key.lastUsedService ?? 'sts',
            Region: key.lastUsedRegion ?? 'us-east-1',
          }
        : { ServiceName: 'N/A', Region: 'N/A' },
    };
  },

  CreateAccessKey: (r) => {
    const u = findUser(r.a, userOf(r));
    if ((u.accessKeys ?? []).length >= 2)
      throw new AwsError('LimitExceeded', 'Cannot exceed quota for AccessKeysPerUser: 2', 409);
    const key: EstateAccessKey = {
      id: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secret: randomBytes(30).toString('base64').slice(0, 40),
      status: 'Active',
      createdAt: r.state.now().toISOString(),
      lastUsedAt: null,
    };
    (u.accessKeys ??= []).push(key);
    r.state.signers.set(key.id, { accountId: r.a.id, arn: userArn(r.a, u), key });
    return {
      AccessKey: {
        UserName: u.name,
        AccessKeyId: key.id,
        Status: 'Active',
        SecretAccessKey: key.secret!,
        CreateDate: isoSeconds(key.createdAt),
      },
    };
  },

  UpdateAccessKey: (r) => {
    const { key } = findKey(r.a, r.params.get('AccessKeyId') ?? '');
    const status = r.params.get('Status');
    if (status !== 'Active' && status !== 'Inactive')
      throw new AwsError('ValidationError', `invalid Status ${status}`, 400);
    key.status = status;
    return null;
  },

  DeleteAccessKey: (r) => {
    const { user, key } = findKey(r.a, r.params.get('AccessKeyId') ?? '');
    user.accessKeys = (user.accessKeys ?? []).filter((k) => k !== key);
    r.state.signers.delete(key.id);
    return null;
  },

  ListServiceSpecificCredentials: (r) => {
    if (r.params.get('AllUsers') === 'true' && r.params.get('UserName'))
      throw new AwsError(
        'InvalidInput',
        'AllUsers cannot be specified together with UserName.',
        400,
      );
    const service = r.params.get('ServiceName');
    const users = r.params.get('AllUsers') === 'true' ? r.a.users : [findUser(r.a, userOf(r))];
    const creds = users.flatMap((u) =>
      (u.serviceCredentials ?? [])
        .filter((c) => !service || c.serviceName === service)
        .map((c) => ({ user: u.name, c })),
    );
    return paged(r, creds, 'ServiceSpecificCredentials', ({ user, c }) => ({
      UserName: user,
      Status: c.status,
      ServiceUserName: c.serviceUserName,
      ServiceCredentialAlias: c.serviceCredentialAlias,
      CreateDate: isoSeconds(c.createdAt),
      ExpirationDate: c.expiresAt ? isoSeconds(c.expiresAt) : null,
      ServiceSpecificCredentialId: c.id,
      ServiceName: c.serviceName,
    }));
  },
};
