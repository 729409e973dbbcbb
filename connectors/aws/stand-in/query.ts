/**
 * The awsQuery protocol (IAM, STS): form-encoded requests with the Action in the body, XML
 * answers `<{Action}Response><{Action}Result>…` and `<ErrorResponse>` errors, built with
 * fast-xml-parser's XMLBuilder. Lists are `<member>` elements; absent values are left out.
 */
import { randomUUID } from 'node:crypto';
import { XMLBuilder } from 'fast-xml-parser';
import type { StandInResponse } from '../../../src/connector/stand-in.js';
import type { AwsError } from './errors.js';

export const NAMESPACES = {
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
} as const;

export type QueryService = keyof typeof NAMESPACES;

/** A value a handler answers with: plain data, turned into query-protocol XML. */
export type XmlValue =
  string | number | boolean | null | undefined | Date | XmlValue[] | { [k: string]: XmlValue };

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_' });

/** Dates as IAM writes them (seconds, Z). */
export function isoSeconds(when: string | Date): string {
  return new Date(when).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Plain data -> the builder's shape: arrays become `<member>` lists, null/undefined vanish. */
function shape(value: XmlValue): unknown {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return isoSeconds(value);
  if (Array.isArray(value)) return value.length ? { member: value.map(shape) } : '';
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const s = shape(v);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }
  return String(value);
}

const XML = { 'content-type': 'text/xml' };

/** The answer to `action`; a handler that returns null answers with no Result element. */
export function queryResponse(
  service: QueryService,
  action: string,
  result: XmlValue,
): StandInResponse {
  const body = builder.build({
    [`${action}Response`]: {
      '@_xmlns': NAMESPACES[service],
      ...(result === null ? {} : { [`${action}Result`]: shape(result) }),
      ResponseMetadata: { RequestId: randomUUID() },
    },
  });
  // A raw CR would reach the client as LF (XML end-of-line normalisation); the builder writes
  // text as-is, so a value that holds one gets the character reference, as an XML writer must.
  const exact = body.replace(/\r/g, '&#13;');
  return { status: 200, headers: { ...XML, 'x-amzn-requestid': randomUUID() }, body: exact };
}

export function queryError(service: QueryService, e: AwsError): StandInResponse {
  const body = builder.build({
    ErrorResponse: {
      '@_xmlns': NAMESPACES[service],
      Error: { Type: e.status >= 500 ? 'Receiver' : 'Sender', Code: e.code, Message: e.message },
      RequestId: randomUUID(),
    },
  });
  return { status: e.status, headers: XML, body };
}

/** `Prefix.member.N` parameters in order (Filter.member.1, ActionNames.member.2…). */
export function memberList(params: URLSearchParams, prefix: string): string[] {
  return [...params.entries()]
    .filter(([k]) => k.startsWith(`${prefix}.member.`))
    .sort(([x], [y]) => Number(x.split('.').pop()) - Number(y.split('.').pop()))
    .map(([, v]) => v);
}
