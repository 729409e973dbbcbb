/**
 * The per-principal reads of an account scan, all through one concurrency limit: access keys
 * (for the users the credential report cannot speak for, see usersToListKeys), their last use
 * where the report has none, service-specific credentials of every user, and Access Advisor per
 * user and role. A denied read is a gap and stops that kind of read; an answer that is not the
 * document asked for fails the scope.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import {
  isApiError,
  isDenied,
  type ApiError,
  type ConnectorContext,
} from '../../src/connector/index.js';
import type { AwsSession } from './client.js';
import { usersToListKeys, type ReportSnapshot } from './map/credential-report.js';
import { accessKeyCredentials } from './map/credentials.js';
import { serviceUsage } from './map/grants.js';
import type { PrincipalReads } from './map/inventory.js';
import type { AwsSettings } from './options.js';
import type { AuthorizationDetails } from './schema.js';
import type { Gaps } from './scan.js';

type Progress = (phase: string, done?: number, total?: number) => void;

/** An answer that is not the document asked for, or one from elsewhere: never a gap. */
function unreadable(e: unknown): boolean {
  return !isApiError(e) || e.kind === 'invalid-response' || e.kind === 'off-origin';
}

/** The endpoint does not offer the operation (an IAM-compatible emulator, an older partition). */
function unsupported(e: ApiError): boolean {
  return (
    e.status === 501 ||
    /^(InvalidAction|NotImplemented|UnknownOperation(Exception)?)$/.test(e.code ?? '') ||
    (e.kind === 'server' && /^Http5\d\d$/.test(e.code ?? ''))
  );
}

/**
 * Runs `each` over `items` within the shared `limit`: as many workers as the limit allows pull
 * the next item when one is done, so a 10,000-user account never queues 10,000 closures at once.
 * After any failure (`stop.failed`), no worker takes another item.
 */
async function forEach<T>(
  items: readonly T[],
  limit: LimitFunction,
  stop: { failed: boolean },
  phase: string,
  progress: Progress,
  each: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let done = 0;
  const step = Math.max(1, Math.floor(items.length / 20));
  progress(phase, 0, items.length);
  const worker = async () => {
    while (next < items.length && !stop.failed) {
      const item = items[next++]!;
      try {
        await limit(() => each(item));
      } catch (e) {
        stop.failed = true;
        throw e;
      }
      if (++done % step === 0 || done === items.length) progress(phase, done, items.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit.concurrency, items.length) }, worker));
}

export async function readPrincipals(
  session: AwsSession,
  ctx: ConnectorContext,
  settings: AwsSettings,
  details: AuthorizationDetails,
  report: ReportSnapshot | null,
  gaps: Gaps,
  progress: Progress,
): Promise<PrincipalReads> {
  const reads: PrincipalReads = {
    keysByUser: new Map(),
    lastUsedByKey: new Map(),
    serviceCredentialsByUser: new Map(),
    usage: new Map(),
  };
  const rowByUser = new Map((report?.rows ?? []).map((r) => [r.user, r]));

  const readKeys = async () => {
    const listed = usersToListKeys(details.users, report);
    ctx.log.debug('aws: access keys listed for', {
      users: listed.length,
      unreported: listed.filter((l) => l.reason === 'unreported' || l.reason === 'newer').length,
    });
    await forEach(listed, limit, stop, 'access-keys', progress, async ({ user }) => {
      if (gaps.has('access-keys')) return;
      try {
        reads.keysByUser.set(user.UserName!, await session.listAccessKeys(user.UserName!));
      } catch (e) {
        if (!isDenied(e)) throw e;
        gaps.add('access-keys', {
          message: 'ListAccessKeys denied: access keys not inventoried',
          code: e.code,
        });
      }
    });
    // Keys the report has no slot for (no report, or newer than it): last use read per key.
    const unknown = details.users.flatMap((u) =>
      accessKeyCredentials(
        u.UserName!,
        u.Arn ?? '',
        reads.keysByUser.get(u.UserName!) ?? [],
        rowByUser.get(u.UserName!),
        report !== null,
        report?.generatedAt ?? null,
      )
        .filter((c) => !c.lastUsedKnown)
        .map((c) => c.externalId),
    );
    await forEach(unknown, limit, stop, 'access-key-last-used', progress, async (id) => {
      if (gaps.has('access-key-last-used')) return;
      try {
        reads.lastUsedByKey.set(id, await session.accessKeyLastUsed(id));
      } catch (e) {
        if (!isDenied(e)) throw e;
        gaps.add('access-key-last-used', {
          message: 'GetAccessKeyLastUsed denied: access key last use not evaluated',
          code: e.code,
        });
      }
    });
  };

  const readServiceCredentials = async () => {
    if (!settings.serviceCredentials) {
      gaps.add('service-specific-credentials', {
        message:
          'service-specific credentials turned off (serviceCredentials: false): Bedrock API keys and CodeCommit/Keyspaces credentials not inventoried',
        fix: 'set aws.serviceCredentials to true',
      });
      return;
    }
    await forEach(details.users, limit, stop, 'service-credentials', progress, async (user) => {
      if (gaps.has('service-specific-credentials')) return;
      try {
        const creds = await session.listServiceCredentials(user.UserName!);
        if (creds.length) reads.serviceCredentialsByUser.set(user.UserName!, creds);
      } catch (e) {
        const err = e as ApiError;
        if (unreadable(e) || !(err.denied || unsupported(err))) throw e;
        gaps.add('service-specific-credentials', {
          message: err.denied
            ? 'ListServiceSpecificCredentials denied: Bedrock API keys and CodeCommit/Keyspaces credentials not inventoried'
            : `the endpoint does not offer ListServiceSpecificCredentials (${err.code}): service-specific credentials not inventoried`,
          code: err.code,
        });
      }
    });
  };

  const readAdvisor = async () => {
    if (!settings.accessAdvisor) {
      gaps.add('access-advisor', {
        message:
          'Access Advisor turned off (accessAdvisor: false): unused permissions not evaluated',
        fix: 'set aws.accessAdvisor to true',
      });
      return;
    }
    if (gaps.has('authorization-details')) return; // no grants to match usage with
    const principals = [
      ...details.users.map((u) => u.Arn),
      ...details.roles
        .filter((r) => !(r.Path ?? '/').startsWith('/aws-service-role/'))
        .map((r) => r.Arn),
    ].filter((arn): arn is string => Boolean(arn));
    let failed: ApiError | null = null;
    await forEach(principals, limit, stop, 'access-advisor', progress, async (arn) => {
      if (failed) return; // after a service-wide failure, more jobs only add load
      try {
        reads.usage.set(arn, serviceUsage(await session.serviceLastAccessed(arn)));
      } catch (e) {
        if (unreadable(e)) throw e;
        failed = e as ApiError;
      }
    });
    if (failed) {
      const e = failed as ApiError;
      const partly = reads.usage.size
        ? ` for ${principals.length - reads.usage.size} of ${principals.length} principals`
        : '';
      gaps.add('access-advisor', {
        message: `Access Advisor unavailable (${e.code}): unused permissions not evaluated${partly}`,
        code: e.code,
      });
    }
  };

  // Independent reads share one limit: total concurrency stays bounded while no phase waits for
  // another's tail. A failure stops every phase from taking more work.
  const limit = pLimit(settings.concurrency);
  const stop = { failed: false };
  await Promise.all([readKeys(), readServiceCredentials(), readAdvisor()]);
  return reads;
}
