/**
 * Faults in AWS's own words. The stand-in's faults are the kit's (`faults.add({ requestBody,
 * status, … })`); since AWS query APIs put the Action in the form body and JSON APIs put the
 * operation in `X-Amz-Target`, a fault naming an AWS action (`{ action: 'ListUsers', kind:
 * 'AccessDenied' }`) is turned into the kit's shape: a body or header matcher and the error
 * document AWS answers with.
 */
import type { Fault, FaultSet } from '../../../src/connector/stand-in.js';
import { ERROR_STATUS, namedError } from './errors.js';
import { jsonError } from './json.js';
import { queryError } from './query.js';

export type AwsFaultKind =
  | 'Throttling'
  | 'AccessDenied'
  | 'ServiceUnavailable'
  | 'InternalFailure'
  | 'ReportInProgress'
  | 'ReportNotPresent'
  | 'ReportExpired'
  | 'delay';

export interface AwsFault {
  /** Action / operation name (ListUsers, AssumeRole, ListAccounts…), or '*' for every call. */
  action: string;
  kind: AwsFaultKind;
  /** How many matching requests it hits; default: every one. */
  times?: number;
  delayMs?: number;
}

/** Operations of the JSON-protocol services this stand-in serves (Organizations, Secrets Manager). */
const JSON_OPERATIONS = new Set([
  'DescribeOrganization',
  'ListAccounts',
  'CreateSecret',
  'PutSecretValue',
  'DescribeSecret',
  'GetSecretValue',
  'LookupEvents',
]);
const STS_ACTIONS = new Set(['GetCallerIdentity', 'AssumeRole']);

/** The kit's fault for an AWS-worded one. */
export function awsFault(f: AwsFault): Fault {
  const json = JSON_OPERATIONS.has(f.action);
  const match: Fault =
    f.action === '*'
      ? {}
      : json
        ? { requestHeaders: { 'x-amz-target': new RegExp(`\\.${f.action}$`) } }
        : { requestBody: new RegExp(`(?:^|&)Action=${f.action}(?:&|$)`) };
  const times = f.times ?? Infinity;
  if (f.kind === 'delay') return { ...match, times, latencyMs: f.delayMs ?? 0 };
  const error = namedError(f.kind, json);
  const answer = json
    ? jsonError(error)
    : queryError(STS_ACTIONS.has(f.action) ? 'sts' : 'iam', error);
  return {
    ...match,
    times,
    status: ERROR_STATUS[f.kind] ?? answer.status ?? 400,
    body: answer.body as string,
    headers: answer.headers ?? {},
    ...(f.delayMs ? { latencyMs: f.delayMs } : {}),
  };
}

/** The kit's FaultSet, also taking faults in AWS's words. */
export interface AwsFaultSet extends FaultSet {
  add(fault: Fault | AwsFault): this;
}

function isAwsFault(f: Fault | AwsFault): f is AwsFault {
  return 'action' in f && 'kind' in f;
}

export function awsFaults(faults: FaultSet): AwsFaultSet {
  const add = faults.add.bind(faults);
  return Object.assign(faults, {
    add(fault: Fault | AwsFault) {
      add(isAwsFault(fault) ? awsFault(fault) : fault);
      return faults;
    },
  }) as AwsFaultSet;
}
