/**
 * The per-principal reads of an account scan, all through one concurrency limit: access keys
 * (for the users the credential report cannot speak for, see keyListing), their last use where
 * the report has none, service-specific credentials of every user, and Access Advisor per user
 * and role. Principals arrive a GetAccountAuthorizationDetails page at a time and their reads
 * start at once, beside the next page and the credential report, so no phase waits for another's
 * tail. A denied read is a gap and stops that kind of read; an answer that is not the document
 * asked for fails the scope.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import {
  isApiError,
  isDenied,
  type ApiError,
  type ConnectorContext,
} from '../../src/connector/index.js';
import type { AwsSession } from './client.js';
import { keyListing, type ReportSnapshot, type ReportRow } from './map/credential-report.js';
import { accessKeyCredentials } from './map/credentials.js';
import { serviceUsage } from './map/grants.js';
import type { PrincipalReads } from './map/inventory.js';
import type { AwsSettings } from './options.js';
import type { RawRole, RawUser } from './schema.js';
import type { Gaps, Progress } from './scan.js';

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

/** Items that arrive over time for workers to take; `end()` says no more will come. */
class Feed<T> {
  private readonly items: (T | undefined)[] = [];
  private next = 0;
  private ended = false;
  private waiting: (() => void)[] = [];

  get total(): number {
    return this.items.length;
  }
  push(items: readonly T[]): void {
    for (const item of items) this.items.push(item);
    if (items.length) this.wake();
  }
  end(): void {
    this.ended = true;
    this.wake();
  }
  /** The next item, or undefined once the feed has ended and is empty. */
  async take(): Promise<T | undefined> {
    while (this.next >= this.items.length) {
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    const item = this.items[this.next];
    this.items[this.next++] = undefined; // taken: nothing here keeps it alive
    return item;
  }
  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}

/**
 * Runs `each` over the feed's items within the shared `limit`: as many workers as the limit
 * allows pull the next item when one is done, so a 10,000-user account never queues 10,000
 * closures at once. After any failure (`stop.failed`), no worker takes another item.
 */
async function forEach<T>(
  feed: Feed<T>,
  workers: number,
  limit: LimitFunction,
  stop: { failed: boolean },
  phase: string,
  progress: Progress,
  each: (item: T) => Promise<void>,
): Promise<void> {
  let done = 0;
  const worker = async () => {
    while (!stop.failed) {
      const item = await feed.take();
      if (item === undefined || stop.failed) return;
      try {
        await limit(() => each(item));
      } catch (e) {
        stop.failed = true;
        throw e;
      }
      // Every 50 items and the last: the total grows while pages arrive.
      if (++done % 50 === 0 || done === feed.total) progress(phase, done, feed.total);
    }
  };
  progress(phase, 0, feed.total);
  await Promise.all(Array.from({ length: workers }, worker));
}

/**
 * Reads principals as they are handed in (`add`), within `settings.concurrency` calls at once
 * for the whole account: the chains that hand them in (the GAAD pages, the credential report)
 * each hold one of those slots while they run (`holding`), the reads get the rest.
 */
export class PrincipalReader {
  readonly reads: PrincipalReads = {
    keysByUser: new Map(),
    lastUsedByKey: new Map(),
    serviceCredentialsByUser: new Map(),
    usage: new Map(),
  };
  private readonly limit: LimitFunction;
  private readonly stop = { failed: false };
  private readonly keyUsers = new Feed<RawUser>();
  private readonly lastUsed = new Feed<string>();
  private readonly serviceUsers = new Feed<RawUser>();
  private readonly advised = new Feed<string>();
  /** Users handed in before the credential report was known (whose keys to list is undecided). */
  private undecided: RawUser[] | null = [];
  private report: ReportSnapshot | null = null;
  private rowByUser = new Map<string, ReportRow>();
  private listKeys: ((user: RawUser) => boolean) | null = null;
  private held = 0;
  private advisorFailure: ApiError | null = null;
  private readonly running: Promise<void>;

  constructor(
    private readonly session: AwsSession,
    private readonly ctx: ConnectorContext,
    private readonly settings: AwsSettings,
    private readonly gaps: Gaps,
    private readonly progress: Progress,
  ) {
    this.limit = pLimit(settings.concurrency);
    if (!settings.serviceCredentials)
      gaps.add('service-specific-credentials', {
        message:
          'service-specific credentials turned off (serviceCredentials: false): Bedrock API keys and CodeCommit/Keyspaces credentials not inventoried',
        fix: 'set aws.serviceCredentials to true',
      });
    if (!settings.accessAdvisor)
      gaps.add('access-advisor', {
        message:
          'Access Advisor turned off (accessAdvisor: false): unused permissions not evaluated',
        fix: 'set aws.accessAdvisor to true',
      });
    this.running = this.run();
    // Observed at once; its failure is judged by finish().
    this.running.catch(() => undefined);
  }

  /**
   * Runs `chain` (a sequence of calls that hands principals in) in one of the account's slots:
   * the reads have one slot fewer while it runs.
   */
  async holding<T>(chain: () => Promise<T>): Promise<T> {
    // No slot to set aside (concurrency 1–3): the chain takes its turn like a read.
    if (this.settings.concurrency - this.held <= 1) return this.limit(chain);
    this.held += 1;
    this.limit.concurrency = Math.max(1, this.settings.concurrency - this.held);
    try {
      return await chain();
    } finally {
      this.held -= 1;
      this.limit.concurrency = Math.max(1, this.settings.concurrency - this.held);
    }
  }

  /**
   * Principals whose reads start now. `advise`: they come with their policies (GAAD), so Access
   * Advisor's usage can be matched with grants; the List* fallback has none.
   */
  add(users: readonly RawUser[], roles: readonly RawRole[], advise: boolean): void {
    if (this.settings.serviceCredentials) this.serviceUsers.push(users);
    if (this.undecided) this.undecided.push(...users);
    else this.keyUsers.push(users.filter(this.listKeys!));
    if (advise && this.settings.accessAdvisor)
      this.advised.push(
        [
          ...users.map((u) => u.Arn),
          ...roles
            .filter((r) => !(r.Path ?? '/').startsWith('/aws-service-role/'))
            .map((r) => r.Arn),
        ].filter((arn): arn is string => Boolean(arn)),
      );
  }

  /** The credential report as the scan got it (null: none): key listing starts. */
  setReport(report: ReportSnapshot | null): void {
    this.report = report;
    this.rowByUser = new Map((report?.rows ?? []).map((r) => [r.user, r]));
    const listing = keyListing(report);
    this.listKeys = (user) => listing(user) !== null;
    const users = this.undecided ?? [];
    this.undecided = null;
    this.keyUsers.push(users.filter(this.listKeys));
  }

  /** No more principals: resolves with every read once they are done. */
  async finish(): Promise<PrincipalReads> {
    this.keyUsers.end();
    this.serviceUsers.end();
    this.advised.end();
    await this.running;
    this.ctx.log.debug('aws: access keys listed for', { users: this.keyUsers.total });
    if (this.advisorFailure) {
      const e = this.advisorFailure;
      const read = this.reads.usage.size;
      const partly = read
        ? ` for ${this.advised.total - read} of ${this.advised.total} principals`
        : '';
      this.gaps.add('access-advisor', {
        message: `Access Advisor unavailable (${e.code}): unused permissions not evaluated${partly}`,
        code: e.code,
      });
    }
    return this.reads;
  }

  /** The scope failed elsewhere: no worker takes more work. */
  abandon(): void {
    this.stop.failed = true;
    this.keyUsers.end();
    this.serviceUsers.end();
    this.advised.end();
    this.lastUsed.end();
  }

  private async run(): Promise<void> {
    const keys = this.each(this.keyUsers, 'access-keys', (user) => this.readKeys(user)).finally(
      () => this.lastUsed.end(),
    );
    await Promise.all([
      keys,
      this.each(this.lastUsed, 'access-key-last-used', (id) => this.readLastUsed(id)),
      this.each(this.serviceUsers, 'service-credentials', (user) =>
        this.readServiceCredentials(user),
      ),
      this.each(this.advised, 'access-advisor', (arn) => this.readAdvisor(arn)),
    ]);
  }

  private each<T>(feed: Feed<T>, phase: string, read: (item: T) => Promise<void>) {
    return forEach(
      feed,
      this.settings.concurrency,
      this.limit,
      this.stop,
      phase,
      this.progress,
      read,
    );
  }

  private async readKeys(user: RawUser): Promise<void> {
    if (this.gaps.has('access-keys')) return;
    const name = user.UserName!;
    try {
      const keys = await this.session.listAccessKeys(name);
      this.reads.keysByUser.set(name, keys);
      // Keys the report has no slot for (no report, or newer than it): last use read per key.
      this.lastUsed.push(
        accessKeyCredentials(
          name,
          user.Arn ?? '',
          keys,
          this.rowByUser.get(name),
          this.report !== null,
          this.report?.generatedAt ?? null,
        )
          .filter((c) => !c.lastUsedKnown)
          .map((c) => c.externalId),
      );
    } catch (e) {
      if (!isDenied(e)) throw e;
      this.gaps.add('access-keys', {
        message: 'ListAccessKeys denied: access keys not inventoried',
        code: e.code,
      });
    }
  }

  private async readLastUsed(id: string): Promise<void> {
    if (this.gaps.has('access-key-last-used')) return;
    try {
      this.reads.lastUsedByKey.set(id, await this.session.accessKeyLastUsed(id));
    } catch (e) {
      if (!isDenied(e)) throw e;
      this.gaps.add('access-key-last-used', {
        message: 'GetAccessKeyLastUsed denied: access key last use not evaluated',
        code: e.code,
      });
    }
  }

  private async readServiceCredentials(user: RawUser): Promise<void> {
    if (this.gaps.has('service-specific-credentials')) return;
    try {
      const creds = await this.session.listServiceCredentials(user.UserName!);
      if (creds.length) this.reads.serviceCredentialsByUser.set(user.UserName!, creds);
    } catch (e) {
      const err = e as ApiError;
      if (unreadable(e) || !(err.denied || unsupported(err))) throw e;
      this.gaps.add('service-specific-credentials', {
        message: err.denied
          ? 'ListServiceSpecificCredentials denied: Bedrock API keys and CodeCommit/Keyspaces credentials not inventoried'
          : `the endpoint does not offer ListServiceSpecificCredentials (${err.code}): service-specific credentials not inventoried`,
        code: err.code,
      });
    }
  }

  private async readAdvisor(arn: string): Promise<void> {
    // After a service-wide failure more jobs only add load; without GAAD no grants to match.
    if (this.advisorFailure || this.gaps.has('authorization-details')) return;
    try {
      this.reads.usage.set(arn, serviceUsage(await this.session.serviceLastAccessed(arn)));
    } catch (e) {
      if (unreadable(e)) throw e;
      this.advisorFailure = e as ApiError;
    }
  }
}
