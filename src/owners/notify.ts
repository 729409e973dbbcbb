/**
 * Notices to a credential's owner before a playbook changes it: one JSON POST to a webhook.
 * The body is Slack- and Teams-compatible (both incoming webhooks read `text`; Slack also reads
 * `blocks`) and carries the same facts as data under `nhi` for any other receiver. The URL is a
 * secret (Slack's and Teams' embed a token): it comes from the environment, is never journaled
 * or printed past its origin, and the request never follows a redirect to another origin.
 */
import {
  ApiError,
  endpointOf,
  kindOfStatus,
  OriginPin,
  pinnedFetch,
  UserError,
  withRetry,
} from '../connector/index.js';
import type { Plan } from '../model/index.js';

export interface Notice {
  /** `nhi-run-<id>`: the same on every retry and resume, so a receiver can drop repeats. */
  noticeId: string;
  event: 'playbook-notice' | 'playbook-cancelled';
  runId: number;
  plan: Plan;
  /** When the first change may happen (end of the notice period). */
  changesFrom: string | null;
}

export interface NoticeReceipt {
  /** Origin of the webhook (never its path or query: they hold the token). */
  origin: string;
  status: number;
  at: string;
}

export interface SendOptions {
  env: Readonly<Record<string, string | undefined>>;
  timeoutMs?: number;
  maxAttempts?: number;
  signal?: AbortSignal;
  now?: () => Date;
}

/** The webhook URL from the environment: a missing or unusable one is the user's to fix. */
export function webhookUrl(envName: string, env: SendOptions['env']): URL {
  const raw = env[envName];
  if (!raw) {
    throw new UserError(
      `no notice channel: ${envName} is not set (the webhook URL owners are told through; see owners.notify in the config)`,
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UserError(`${envName} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UserError(`${envName} must be an http(s) URL, not ${url.protocol}`);
  }
  return url;
}

function who(plan: Plan): string {
  const n = plan.notice;
  if (!n) return 'the owner';
  return n.owner && n.team ? `${n.owner} (${n.team})` : (n.owner ?? n.team ?? 'the owner');
}

/** The words of the notice: what, whose, when, why this person, and how to object. */
export function noticeText(n: Notice): string {
  const { plan } = n;
  const what = `${plan.kind} ${plan.credentialType} ${plan.ref.credentialExternalId} of ${plan.identityName} (${plan.provider} ${plan.ref.scope.name || plan.ref.scope.id})`;
  if (n.event === 'playbook-cancelled') {
    return `nhi: the planned ${what} was rolled back (run ${n.runId}); nothing more will change.`;
  }
  const lines = [
    `nhi: ${who(plan)}, you are recorded as the owner of ${plan.identityName}${plan.notice?.via ? ` (${plan.notice.via})` : ''}.`,
    `Planned: ${what}${n.changesFrom ? `, not before ${n.changesFrom}` : ''}.`,
    ...(plan.notice?.purpose ? [`Purpose on record: ${plan.notice.purpose}.`] : []),
    ...plan.steps
      .filter((s) => s.action !== 'notify' && s.action !== 'notice-period')
      .map((s) => `- ${s.summary}`),
    `To stop it: nhi playbook cancel ${n.runId} (run ${n.runId}; notice ${n.noticeId}).`,
  ];
  return lines.join('\n');
}

export function noticePayload(n: Notice): Record<string, unknown> {
  const { plan } = n;
  const text = noticeText(n);
  return {
    text,
    blocks: [{ type: 'section', text: { type: 'plain_text', text } }],
    nhi: {
      event: n.event,
      noticeId: n.noticeId,
      runId: n.runId,
      kind: plan.kind,
      provider: plan.provider,
      scopeId: plan.ref.scope.id,
      scopeName: plan.ref.scope.name,
      identityName: plan.identityName,
      identityExternalId: plan.ref.identityExternalId,
      credentialId: plan.credentialId,
      credentialExternalId: plan.ref.credentialExternalId,
      credentialType: plan.credentialType,
      owner: plan.notice?.owner ?? null,
      team: plan.notice?.team ?? null,
      ownerVia: plan.notice?.via ?? null,
      purpose: plan.notice?.purpose ?? null,
      changesFrom: n.changesFrom,
      steps: plan.steps.map((s) => s.summary),
    },
  };
}

/** A channel's answer other than 2xx: an error of the kind its status says (retried or not). */
export function refused(operation: string, status: number, detail: string): ApiError {
  return new ApiError({
    provider: 'notify',
    operation,
    kind: kindOfStatus(status),
    status,
    detail,
  });
}

/** Posts the notice; anything but a 2xx after the retries is an error naming the endpoint's origin. */
export async function sendNotice(
  n: Notice,
  envName: string,
  opts: SendOptions,
): Promise<NoticeReceipt> {
  const url = webhookUrl(envName, opts.env);
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const signal = opts.signal ?? new AbortController().signal;
  const doFetch = pinnedFetch({ pin: new OriginPin('notify', [url]), timeoutMs, signal });
  const operation = `POST ${url.origin} (${envName})`;
  const body = JSON.stringify(noticePayload(n));
  const status = await withRetry(
    async () => {
      let res: Response;
      try {
        res = await doFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': n.noticeId },
          body,
        });
      } catch (e) {
        // The kit names the endpoint by origin and path; the path of a webhook is its secret.
        if (e instanceof ApiError) {
          throw new ApiError({
            provider: 'notify',
            operation,
            kind: e.kind,
            code: e.code,
            detail: e.message.replace(endpointOf(url), url.origin),
          });
        }
        throw e;
      }
      await res.body?.cancel();
      if (res.status < 200 || res.status > 299)
        throw refused(operation, res.status, 'the webhook refused the notice');
      return res.status;
    },
    { maxAttempts: opts.maxAttempts ?? 3, baseDelayMs: 200, maxDelayMs: 2_000, signal },
  );
  return { origin: url.origin, status, at: (opts.now?.() ?? new Date()).toISOString() };
}
