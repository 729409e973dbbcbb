/**
 * A local stand-in for AWS IAM and STS (awsQuery: form POST, XML answers), Organizations and
 * Secrets Manager (awsJson1_1, X-Amz-Target), on the stand-in kit. It follows the public API
 * references closely enough that the real SDK v3 clients run against it unchanged: the SigV4
 * credential selects the caller and its account, Marker/NextToken paging honours
 * MaxItems/MaxResults, errors carry the documented codes and statuses. This file only routes a
 * request to its service (CloudTrail's LookupEvents too, which moto lacks); each service, the protocol layers, the credential report and the
 * policy simulator have their own module.
 */
import {
  serveStandIn,
  type RequestRecord,
  type StandInRequest,
  type StandInResponse,
  type StandInServer,
} from '../../../src/connector/stand-in.js';
import { cloudTrail } from './cloudtrail.js';
import { AwsError, errorForStatus } from './errors.js';
import type { AwsEstate } from './estate.js';
import { awsFaults, type AwsFaultSet } from './faults.js';
import { iam } from './iam.js';
import { jsonError, jsonResponse, jsonTarget } from './json.js';
import { organizations } from './organizations.js';
import { queryError, queryResponse, type QueryService } from './query.js';
import { secretsManager } from './secrets-manager.js';
import { StandInState, type StandInOptions } from './state.js';
import { sts } from './sts.js';

export interface AwsStandInOptions extends StandInOptions {
  estate: AwsEstate;
  /** Added to every answer, like network + service time. */
  latencyMs?: number;
  /** Clock for generated data (report time, new keys); defaults to the wall clock. */
  now?: () => Date;
}

/** The kit's request log, with counts per AWS action (tests assert "no N+1" with them). */
export type AwsRequestLog = RequestRecord[] & {
  readonly total: number;
  readonly byAction: Record<string, number>;
  reset(): void;
};

export interface AwsStandIn extends StandInServer {
  faults: AwsFaultSet;
  requests: AwsRequestLog;
  /** Live estate (mutated by write calls), for assertions. */
  estate: AwsEstate;
  /** Extra latency per account id (one slow account among fast ones). */
  accountLatencyMs: Record<string, number>;
  /** The AWSCURRENT value of a Secrets Manager secret, for tests of the sink. */
  readSecret(accountId: string, name: string): string | null;
}

interface Parsed {
  json: boolean;
  service: QueryService | 'organizations' | 'secretsmanager' | 'cloudtrail';
  action: string;
  params: URLSearchParams;
  body: Record<string, unknown>;
}

function parse(req: StandInRequest): Parsed {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') {
    const { prefix, operation } = jsonTarget(target);
    let body: Record<string, unknown> = {};
    try {
      body = (req.json() ?? {}) as Record<string, unknown>;
    } catch {
      // a body that is not JSON is answered as an empty request, as the services do
    }
    const service = prefix.startsWith('AWSOrganizations')
      ? 'organizations'
      : target.includes('CloudTrail_')
        ? 'cloudtrail'
        : 'secretsmanager';
    return { json: true, service, action: operation, params: new URLSearchParams(), body };
  }
  const params = new URLSearchParams(req.text());
  const service = params.get('Version') === '2011-06-15' ? 'sts' : 'iam';
  return { json: false, service, action: params.get('Action') ?? 'unknown', params, body: {} };
}

function render(p: Parsed, e: AwsError): StandInResponse {
  return p.json ? jsonError(e) : queryError(p.service as QueryService, e);
}

function accessKeyOf(authorization: string | string[] | undefined): string | null {
  return /Credential=([^/]+)\//.exec(String(authorization ?? ''))?.[1] ?? null;
}

function counted(requests: RequestRecord[]): AwsRequestLog {
  return Object.defineProperties(requests, {
    total: { get: () => requests.length },
    byAction: {
      get: () => {
        const out: Record<string, number> = {};
        for (const r of requests) if (r.operation) out[r.operation] = (out[r.operation] ?? 0) + 1;
        return out;
      },
    },
    reset: { value: () => void (requests.length = 0) },
  }) as AwsRequestLog;
}

export async function startAwsStandIn(opts: AwsStandInOptions): Promise<AwsStandIn> {
  const estate: AwsEstate = structuredClone(opts.estate);
  const state = new StandInState(estate, opts.now ?? (() => new Date()), opts);
  const accountLatencyMs: Record<string, number> = {};

  const handle = async (req: StandInRequest): Promise<StandInResponse> => {
    const p = parse(req);
    try {
      const who = state.signer(accessKeyOf(req.headers.authorization));
      if (!who)
        throw p.json
          ? new AwsError(
              'UnrecognizedClientException',
              'The security token included in the request is invalid.',
              400,
            )
          : new AwsError(
              'InvalidClientTokenId',
              'The security token included in the request is invalid.',
              403,
            );
      const slow = accountLatencyMs[who.accountId];
      if (slow) await new Promise((r) => setTimeout(r, slow));
      switch (p.service) {
        case 'organizations':
          return jsonResponse(organizations(state, p.action, p.body, who.accountId));
        case 'secretsmanager':
          return jsonResponse(secretsManager(state, p.action, p.body, who.accountId));
        case 'cloudtrail':
          return jsonResponse(cloudTrail(state, p.action, p.body, who.accountId));
        case 'sts':
          return queryResponse(
            'sts',
            p.action,
            sts(state, p.action, p.params, who.accountId, who.arn),
          );
        case 'iam':
          return queryResponse(
            'iam',
            p.action,
            iam(state, p.action, p.params, who.accountId, who.arn),
          );
      }
    } catch (e) {
      if (e instanceof AwsError) return render(p, e);
      const code = p.json ? 'InternalServiceError' : 'InternalFailure';
      return render(p, new AwsError(code, `stand-in error: ${(e as Error).message}`, 500));
    }
  };

  const server = await serveStandIn(handle, {
    ...(opts.latencyMs !== undefined ? { latencyMs: opts.latencyMs } : {}),
    errorBody: (status, req) => {
      const p = parse(req);
      return render(p, errorForStatus(status, p.json));
    },
    operationOf: (req) => parse(req).action,
  });
  return Object.assign(server, {
    faults: awsFaults(server.faults),
    requests: counted(server.requests),
    estate,
    accountLatencyMs,
    readSecret: (accountId: string, name: string) => {
      const versions = state.secrets.get(accountId)?.get(name)?.versions;
      return (
        [...(versions?.values() ?? [])].find((v) => v.stages.includes('AWSCURRENT'))?.value ?? null
      );
    },
  });
}
