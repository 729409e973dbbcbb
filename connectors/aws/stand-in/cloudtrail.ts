/**
 * CloudTrail's LookupEvents (awsJson1_1), which moto 5.2.1 does not implement: the management
 * events of the caller's account from the last 90 days, newest first, filtered by at most one
 * lookup attribute and the StartTime/EndTime window, 50 a page (MaxResults 1–50) with an
 * opaque NextToken, and the errors the API reference documents for bad input. Payloads are
 * typed with the SDK's own types (`satisfies`), dates as the epoch seconds on the wire.
 */
import type {
  Event,
  LookupAttributeKey,
  LookupEventsRequest,
  LookupEventsResponse,
} from '@aws-sdk/client-cloudtrail';
import { offsetPage } from '../../../src/connector/stand-in.js';
import { AwsError } from './errors.js';
import type { EstateTrailEvent } from './estate.js';
import type { StandInState } from './state.js';

/** The wire form of an SDK shape: awsJson1_1 sends timestamps as epoch seconds. */
export type OnTheWire<T> = T extends Date
  ? number
  : T extends (infer U)[]
    ? OnTheWire<U>[]
    : T extends object
      ? { [K in keyof T]: OnTheWire<T[K]> }
      : T;

const HISTORY_DAYS = 90;
const seconds = (iso: string) => Date.parse(iso) / 1000;

/** What each lookup attribute compares (AWS matches the value exactly). */
const ATTRIBUTE: Partial<Record<LookupAttributeKey, (e: EstateTrailEvent) => string[]>> = {
  EventId: (e) => [e.eventId],
  EventName: (e) => [e.eventName],
  Username: (e) => [e.username],
  ResourceType: (e) => e.resources.map((r) => r.type),
  ResourceName: (e) => e.resources.map((r) => r.name),
  EventSource: () => ['iam.amazonaws.com'],
  ReadOnly: () => ['false'],
  AccessKeyId: (e) => (e.accessKeyId ? [e.accessKeyId] : []),
};

function time(v: unknown, field: string): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new AwsError('InvalidTimeRangeException', `${field} is not a valid timestamp.`, 400);
  return v;
}

export function eventOf(e: EstateTrailEvent, accountId: string): OnTheWire<Event> {
  return {
    EventId: e.eventId,
    EventName: e.eventName,
    ReadOnly: 'false',
    ...(e.accessKeyId ? { AccessKeyId: e.accessKeyId } : {}),
    EventTime: seconds(e.eventTime),
    EventSource: 'iam.amazonaws.com',
    Username: e.username,
    Resources: e.resources.map((r) => ({ ResourceType: r.type, ResourceName: r.name })),
    CloudTrailEvent: JSON.stringify({
      eventVersion: '1.09',
      userIdentity: {
        type: e.userArn.includes(':assumed-role/') ? 'AssumedRole' : 'IAMUser',
        arn: e.userArn,
        accountId,
        ...(e.accessKeyId ? { accessKeyId: e.accessKeyId } : {}),
      },
      eventTime: e.eventTime.replace(/\.\d{3}Z$/, 'Z'),
      eventSource: 'iam.amazonaws.com',
      eventName: e.eventName,
      awsRegion: 'us-east-1',
      requestParameters: e.requestParameters ?? null,
      responseElements: e.responseElements ?? null,
      eventID: e.eventId,
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: accountId,
      eventCategory: 'Management',
    }),
  } satisfies OnTheWire<Event>;
}

export function cloudTrail(
  state: StandInState,
  op: string,
  body: OnTheWire<LookupEventsRequest>,
  accountId: string,
): OnTheWire<LookupEventsResponse> {
  if (op !== 'LookupEvents')
    throw new AwsError('UnknownOperationException', `${op} is not served by this stand-in`, 400);
  const account = state.account(accountId).data;
  const attrs = body.LookupAttributes ?? [];
  if (attrs.length > 1)
    throw new AwsError(
      'InvalidLookupAttributesException',
      'You can only specify one lookup attribute.',
      400,
    );
  const attr = attrs[0];
  const read = attr?.AttributeKey ? ATTRIBUTE[attr.AttributeKey] : undefined;
  if (attr && (!read || typeof attr.AttributeValue !== 'string'))
    throw new AwsError(
      'InvalidLookupAttributesException',
      `Lookup attribute ${String(attr.AttributeKey)} is not valid.`,
      400,
    );
  const max = body.MaxResults ?? 50;
  if (!Number.isInteger(max) || max < 1 || max > 50)
    throw new AwsError('InvalidMaxResultsException', 'MaxResults must be between 1 and 50.', 400);
  const now = state.now().getTime() / 1000;
  const start = time(body.StartTime, 'StartTime') ?? now - HISTORY_DAYS * 86_400;
  const end = time(body.EndTime, 'EndTime') ?? now;
  if (start > end)
    throw new AwsError('InvalidTimeRangeException', 'StartTime is after EndTime.', 400);
  const oldest = Math.max(start, now - HISTORY_DAYS * 86_400);
  const events = (account.cloudTrailEvents ?? [])
    .filter((e) => {
      const t = seconds(e.eventTime);
      return t >= oldest && t <= end && (!read || read(e).includes(attr!.AttributeValue!));
    })
    .sort((a, b) => seconds(b.eventTime) - seconds(a.eventTime));
  let page;
  try {
    const token = body.NextToken ?? null;
    if (token !== null && !/^[\w-]+$/.test(token)) throw new RangeError('not a token');
    page = offsetPage(events, token, max);
  } catch {
    throw new AwsError('InvalidNextTokenException', 'Invalid NextToken.', 400);
  }
  return {
    Events: page.items.map((e) => eventOf(e, accountId)),
    ...(page.next ? { NextToken: page.next } : {}),
  } satisfies OnTheWire<LookupEventsResponse>;
}
