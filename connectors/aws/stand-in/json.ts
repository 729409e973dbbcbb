/**
 * The awsJson1_1 protocol (Organizations, Secrets Manager): the operation in `X-Amz-Target`,
 * JSON bodies both ways, errors as `{ __type, message }` with `x-amzn-errortype`.
 */
import { randomUUID } from 'node:crypto';
import type { StandInResponse } from '../../../src/connector/stand-in.js';
import type { AwsError } from './errors.js';

const JSON_TYPE = 'application/x-amz-json-1.1';

export function jsonResponse(body: unknown): StandInResponse {
  return {
    status: 200,
    headers: { 'content-type': JSON_TYPE, 'x-amzn-requestid': randomUUID() },
    body: JSON.stringify(body),
  };
}

export function jsonError(e: AwsError): StandInResponse {
  return {
    status: e.status,
    headers: { 'content-type': JSON_TYPE, 'x-amzn-errortype': e.code },
    body: JSON.stringify({ __type: e.code, message: e.message }),
  };
}

/** `AWSOrganizationsV20161128.ListAccounts` -> its service prefix and operation. */
export function jsonTarget(target: string): { prefix: string; operation: string } {
  // CloudTrail's prefix has dots of its own (com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101).
  const dot = target.lastIndexOf('.');
  return dot < 0
    ? { prefix: target, operation: 'unknown' }
    : { prefix: target.slice(0, dot), operation: target.slice(dot + 1) || 'unknown' };
}
